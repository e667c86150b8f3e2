import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { ROOT } from '../helpers/tree.js';

// The JupyterLab extension template's checks, run as part of `npm test`.
for (const [name, script] of [
  ['prettier', 'prettier:check'],
  ['eslint', 'eslint:check'],
  ['stylelint', 'stylelint:check']
]) {
  test(`lint: ${name}`, () => {
    const r = spawnSync('npm', ['run', '--silent', script], {
      cwd: ROOT,
      encoding: 'utf8'
    });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  });
}
