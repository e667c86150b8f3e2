import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { ROOT } from '../helpers/tree.js';

test('typecheck: src and tests compile without errors', () => {
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.test.json', '--noEmit'], {
    cwd: ROOT,
    encoding: 'utf8'
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('typecheck: the engine compiles without DOM or Node types', () => {
  const r = spawnSync('npx', ['tsc', '-p', 'src/snapshot/tsconfig.json'], {
    cwd: ROOT,
    encoding: 'utf8'
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
