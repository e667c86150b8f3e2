/**
 * ContentsAccess.writeIfUnchanged against a real Jupyter server's Contents API
 * (no browser): a write happens only over the .amlignore the scan read.
 * `allow_hidden` lets the server show and write dotfiles.
 */
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ContentsManager, ServerConnection } from '@jupyterlab/services';
import { ContentsAccess } from '../../src/contents/contents-access.js';
import { ILab, startLab } from './harness.js';
import { tempDir } from './scenario.js';

let root = '';
let lab: ILab;
let access: ContentsAccess;

before(async () => {
  root = tempDir('contents-access');
  lab = await startLab({ rootDir: root, allowHidden: true });
  const serverSettings = ServerConnection.makeSettings({
    baseUrl: `${lab.url}/`,
    token: lab.token,
    // Node 20 has no WebSocket; the Contents API does not use one.
    WebSocket: class {} as unknown as typeof WebSocket
  });
  access = new ContentsAccess(new ContentsManager({ serverSettings }), '');
});

after(async () => {
  await lab?.stop();
  rmSync(root, { recursive: true, force: true });
});

function project(name: string, amlignore: string | null): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  if (amlignore !== null) {
    writeFileSync(join(dir, '.amlignore'), amlignore);
  }
  return dir;
}

test('an .amlignore whose text changed since the scan is left as it is', async () => {
  const dir = project('changed', '# edited by someone\n*.log\n');
  const r = await access.writeIfUnchanged(
    'changed/.amlignore',
    'new\n',
    '*.log\n'
  );
  assert.equal(r, 'changed');
  assert.equal(
    readFileSync(join(dir, '.amlignore'), 'utf8'),
    '# edited by someone\n*.log\n'
  );
});

test('an .amlignore created since the scan is left as it is', async () => {
  const dir = project('created', 'mine\n');
  assert.equal(
    await access.writeIfUnchanged('created/.amlignore', 'new\n', null),
    'changed'
  );
  assert.equal(readFileSync(join(dir, '.amlignore'), 'utf8'), 'mine\n');
});

test('an .amlignore removed since the scan is not written again', async () => {
  const dir = project('removed', null);
  assert.equal(
    await access.writeIfUnchanged('removed/.amlignore', 'new\n', 'old\n'),
    'changed'
  );
  assert.equal(existsSync(join(dir, '.amlignore')), false);
});

test('unchanged since the scan: written', async () => {
  const dir = project('same', '*.log\n');
  assert.equal(
    await access.writeIfUnchanged(
      'same/.amlignore',
      '*.log\n/data/\n',
      '*.log\n'
    ),
    'written'
  );
  assert.equal(
    readFileSync(join(dir, '.amlignore'), 'utf8'),
    '*.log\n/data/\n'
  );
  project('fresh', null);
  assert.equal(
    await access.writeIfUnchanged('fresh/.amlignore', '/data/\n', null),
    'written'
  );
  assert.equal(
    readFileSync(join(root, 'fresh', '.amlignore'), 'utf8'),
    '/data/\n'
  );
});
