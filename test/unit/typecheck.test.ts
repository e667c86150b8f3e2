import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cleanup, ROOT, tempDir } from '../helpers/tree.js';

test('typecheck: src and tests compile without errors', () => {
  // The build's incremental state, copied: a test never writes into the
  // checkout (the build itself made build/.tsbuildinfo).
  const dir = tempDir('sg-typecheck-');
  try {
    const info = join(dir, '.tsbuildinfo');
    const built = join(ROOT, 'build', '.tsbuildinfo');
    if (existsSync(built)) {
      copyFileSync(built, info);
    }
    const r = spawnSync(
      'npx',
      [
        'tsc',
        '-p',
        'tsconfig.test.json',
        '--noEmit',
        '--tsBuildInfoFile',
        info
      ],
      { cwd: ROOT, encoding: 'utf8' }
    );
    assert.equal(r.status, 0, r.stdout + r.stderr);
  } finally {
    cleanup(dir);
  }
});

test('typecheck: the engine compiles without DOM or Node types', () => {
  const r = spawnSync('npx', ['tsc', '-p', 'src/snapshot/tsconfig.json'], {
    cwd: ROOT,
    encoding: 'utf8'
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
