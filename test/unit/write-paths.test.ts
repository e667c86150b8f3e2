// One set of tests for the one write protocol (IWriteIfUnchanged), run
// against its three adapters: the CLI's NodeWriter, the helper kernel
// (KernelAccess over a real kernel) and the Contents API fallback
// (ContentsAccess over a real server). Only what an adapter can see is
// asked of it: the Contents API shows no links, and the server writes
// itself (no moment between our last check and the rename to test).
import assert from 'node:assert/strict';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  symlinkSync,
  writeFileSync
} from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ContentsManager } from '@jupyterlab/services';
import {
  WriteRefusedError,
  type IWriteIfUnchanged
} from '../../src/access/write-if-unchanged.js';
import { ContentsAccess } from '../../src/contents/contents-access.js';
import { HelperKernel } from '../../src/kernel/helper-kernel.js';
import { KernelAccess } from '../../src/kernel/kernel-access.js';
import { NodeWriter } from '../../src/node/write-if-unchanged.js';
import {
  root,
  services,
  settings,
  startJupyter,
  stopJupyter
} from '../helpers/jupyter-server.js';
import { cleanup, tempDir } from '../helpers/tree.js';

let helper: HelperKernel | undefined;
let contents: ContentsManager | undefined;
const outside: string[] = [];

before(() => startJupyter());
after(async () => {
  await helper?.shutdown();
  contents?.dispose();
  await stopJupyter();
  outside.forEach(cleanup);
});

interface IAdapter {
  name: string;
  /** Paths the writer takes are relative to this server folder. */
  make(folder: string): IWriteIfUnchanged;
  seesLinks: boolean;
}

const adapters: IAdapter[] = [
  {
    name: 'CLI (NodeWriter)',
    make: folder => new NodeWriter(join(root, folder)),
    seesLinks: true
  },
  {
    name: 'helper kernel (KernelAccess)',
    make: folder => {
      helper ??= new HelperKernel(services);
      return prefixed(new KernelAccess(helper), folder);
    },
    seesLinks: true
  },
  {
    name: 'Contents API (ContentsAccess)',
    make: folder => {
      contents ??= new ContentsManager({ serverSettings: settings });
      return prefixed(new ContentsAccess(contents, ''), folder);
    },
    seesLinks: false
  }
];

/** The server-relative adapters, seen from `folder`. */
function prefixed(w: IWriteIfUnchanged, folder: string): IWriteIfUnchanged {
  return {
    writeIfUnchanged: (path, text, expected) =>
      w.writeIfUnchanged(`${folder}/${path}`, text, expected)
  };
}

let n = 0;
/** A fresh folder in the server root with these files. */
function folder(files: Record<string, string> = {}): [string, string] {
  const rel = `w${++n}`;
  const abs = join(root, rel);
  mkdirSync(abs);
  for (const [p, text] of Object.entries(files)) {
    writeFileSync(join(abs, p), text);
  }
  return [rel, abs];
}

async function refused(p: Promise<unknown>, reason: string) {
  await assert.rejects(p, (e: any) => {
    assert.ok(e instanceof WriteRefusedError, String(e));
    assert.equal(e.reason, reason, e.message);
    return true;
  });
}

for (const a of adapters) {
  describe(`writeIfUnchanged: ${a.name}`, () => {
    test('creates a file that must not exist yet, refuses if it does', async () => {
      const [rel, abs] = folder({ 'taken.txt': 'theirs\n' });
      const w = a.make(rel);
      assert.equal(
        await w.writeIfUnchanged('new.txt', 'ours\n', null),
        'written'
      );
      assert.equal(readFileSync(join(abs, 'new.txt'), 'utf8'), 'ours\n');
      assert.equal(
        await w.writeIfUnchanged('taken.txt', 'ours\n', null),
        'changed'
      );
      assert.equal(readFileSync(join(abs, 'taken.txt'), 'utf8'), 'theirs\n');
    });

    test('replaces only the content it was told, else changes nothing', async () => {
      const [rel, abs] = folder({ 'f.txt': 'one\n' });
      const w = a.make(rel);
      assert.equal(
        await w.writeIfUnchanged('f.txt', 'two\n', 'other\n'),
        'changed'
      );
      assert.equal(readFileSync(join(abs, 'f.txt'), 'utf8'), 'one\n');
      assert.equal(
        await w.writeIfUnchanged('gone.txt', 'x', 'one\n'),
        'changed'
      );
      assert.ok(!existsSync(join(abs, 'gone.txt')));
      assert.equal(
        await w.writeIfUnchanged('f.txt', 'two\n', 'one\n'),
        'written'
      );
      assert.equal(readFileSync(join(abs, 'f.txt'), 'utf8'), 'two\n');
      // No temporary file is left beside it.
      assert.deepEqual(readdirSync(abs), ['f.txt']);
    });

    test("refuses a folder in the file's place", async () => {
      const [rel, abs] = folder();
      mkdirSync(join(abs, 'dir.txt'));
      await refused(
        a.make(rel).writeIfUnchanged('dir.txt', 'x', 'y'),
        'not-a-file'
      );
      assert.ok(lstatSync(join(abs, 'dir.txt')).isDirectory());
    });

    test('a name of 250 bytes', async () => {
      const [rel, abs] = folder({ [`${'n'.repeat(246)}.txt`]: 'old' });
      const name = `${'n'.repeat(246)}.txt`;
      assert.equal(
        await a.make(rel).writeIfUnchanged(name, 'new', 'old'),
        'written'
      );
      assert.equal(readFileSync(join(abs, name), 'utf8'), 'new');
    });

    if (a.seesLinks) {
      test("refuses a link in the file's place, leaving link and target", async () => {
        const [rel, abs] = folder({ 'target.txt': 'shared\n' });
        symlinkSync('target.txt', join(abs, 'link.txt'));
        await refused(
          a.make(rel).writeIfUnchanged('link.txt', 'x', 'shared\n'),
          'link'
        );
        assert.ok(lstatSync(join(abs, 'link.txt')).isSymbolicLink());
        assert.equal(readFileSync(join(abs, 'target.txt'), 'utf8'), 'shared\n');
      });

      test('refuses a folder that a link leads outside the root', async () => {
        const [rel, abs] = folder();
        const away = tempDir('sg-outside-');
        outside.push(away);
        writeFileSync(join(away, 'f.txt'), 'outside\n');
        symlinkSync(away, join(abs, 'out'));
        const w = a.make(rel);
        await refused(
          w.writeIfUnchanged('out/f.txt', 'x', 'outside\n'),
          'outside'
        );
        await refused(w.writeIfUnchanged('out/new.txt', 'x', null), 'outside');
        assert.deepEqual(readdirSync(away), ['f.txt']);
        assert.equal(readFileSync(join(away, 'f.txt'), 'utf8'), 'outside\n');
      });
    }
  });
}

describe('writeIfUnchanged: the last check (CLI; the helper in hostile-helper)', () => {
  test('an edit saved after the temporary file is written is kept', async () => {
    const [rel, abs] = folder({ '.amlignore': 'old\n' });
    const w = new NodeWriter(join(root, rel), {
      beforeCommit: () => writeFileSync(join(abs, '.amlignore'), 'edited\n')
    });
    assert.equal(
      await w.writeIfUnchanged('.amlignore', 'ours\n', 'old\n'),
      'changed'
    );
    assert.equal(readFileSync(join(abs, '.amlignore'), 'utf8'), 'edited\n');
    assert.deepEqual(readdirSync(abs), ['.amlignore']);
    const w2 = new NodeWriter(join(root, rel), {
      beforeCommit: () => writeFileSync(join(abs, 'new'), 'theirs')
    });
    assert.equal(await w2.writeIfUnchanged('new', 'ours', null), 'changed');
    assert.equal(readFileSync(join(abs, 'new'), 'utf8'), 'theirs');
  });
});
