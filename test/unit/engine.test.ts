import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { byFolder, childrenOf } from '../../src/snapshot/accounting.js';
import { propose } from '../../src/snapshot/advisor.js';
import { composeAmlignore } from '../../src/snapshot/amlignore.js';
import { formatBytes, formatCount } from '../../src/snapshot/format.js';
import { judge, resolveLimits } from '../../src/snapshot/limits.js';
import { compareUtf8, sortByPath } from '../../src/snapshot/paths.js';
import { reportOf, scanFolder } from '../../src/snapshot/scan.js';
import { walk } from '../../src/snapshot/walk.js';
import { runReference } from '../conformance/reference.js';
import { MemoryFileSystem } from '../helpers/memory-fs.js';

const v1 = resolveLimits('azureml-v1');
const MiB = 1024 * 1024;

describe('walk', () => {
  // The walk records it; each SDK model then decides (v1's upload walk
  // fails on it, v2's os.walk skips it): see sdk-profiles.test.ts.
  test('an unreadable subfolder is recorded; the rest is counted', async () => {
    const fs = new MemoryFileSystem({ 'a.txt': 1, 'locked/b.txt': 2 }, [
      'locked'
    ]);
    const r = await walk(fs);
    assert.deepEqual(
      r.files.map(f => f.path),
      ['a.txt']
    );
    assert.equal(r.specials[0].what, 'unreadable-dir');
    assert.equal(r.specials[0].path, 'locked');
  });

  test('an unreadable root rejects', async () => {
    const fs = new MemoryFileSystem({ 'a.txt': 1 }, ['']);
    await assert.rejects(walk(fs), /permission denied/);
  });

  test('a folder that leads back to an ancestor is not entered again', async () => {
    const fs = new MemoryFileSystem({ 'a/b/c.txt': 1 });
    fs.addEntry('a/b', { name: 'up', kind: 'dir', size: 0, id: 'a' });
    const r = await walk(fs, { rootId: 'root' });
    assert.deepEqual(
      r.files.map(f => f.path),
      ['a/b/c.txt']
    );
    assert.equal(r.specials[0].what, 'link-loop');
    assert.equal(r.specials[0].path, 'a/b/up');
  });

  test('a link out of the folder is reported once, not for each link beyond it', async () => {
    const fs = new MemoryFileSystem({ 'ext/a.txt': 1, 'ext/deeper/b.txt': 2 });
    const out = { target: '/elsewhere', outside: true, dangling: false };
    fs.addEntry('', {
      name: 'ext',
      kind: 'dir',
      size: 0,
      id: 'ext',
      link: out
    });
    fs.addEntry('ext', {
      name: 'deeper',
      kind: 'dir',
      size: 0,
      id: 'd',
      link: out
    });
    const r = await walk(fs);
    assert.equal(r.files.length, 2);
    assert.deepEqual(
      r.warnings.map(w => `${w.kind}:${w.path}`),
      ['link-outside:ext']
    );
  });

  test('pruned folders are not listed', async () => {
    const fs = new MemoryFileSystem({ 'big/x': 1, 'big/y/z': 1, k: 1 });
    const r = await walk(fs, { prune: d => d === 'big' });
    assert.deepEqual(r.pruned, ['big']);
    assert.ok(!fs.listed.includes('big'));
  });

  test('cancel stops the walk', async () => {
    const fs = new MemoryFileSystem({ 'a/1': 1, 'b/2': 1 });
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(walk(fs, { signal: ac.signal }), /cancelled/);
  });
});

describe('accounting', () => {
  test('top contributors, types and folders', async () => {
    const fs = new MemoryFileSystem({
      'data/a.csv': 100,
      'data/sub/b.csv': 50,
      'nb.ipynb': 10,
      'src/m.py': 5
    });
    const r = reportOf(await scanFolder(fs), v1);
    assert.deepEqual(
      r.top.map(t => [t.path, t.kind, t.files, t.bytes]),
      [
        ['data', 'dir', 2, 150],
        ['nb.ipynb', 'file', 1, 10],
        ['src', 'dir', 1, 5]
      ]
    );
    assert.deepEqual(r.types[0], { extension: '.csv', files: 2, bytes: 150 });
    assert.deepEqual(
      childrenOf(r.included, 'data').map(c => c.path),
      ['data/a.csv', 'data/sub']
    );
    assert.deepEqual(byFolder(r.included).get('data'), {
      files: 2,
      bytes: 150
    });
  });

  test('exclusions are tallied and incomplete previews flagged', async () => {
    const fs = new MemoryFileSystem({
      '.gitignore': 'cache/\n*.tmp\n',
      'cache/x': 7,
      'a.tmp': 3,
      'b.py': 1
    });
    const scan = await scanFolder(fs);
    const r = reportOf(scan, v1);
    assert.equal(r.excluded.files, 1);
    assert.equal(r.excluded.bytes, 3);
    assert.deepEqual(r.excluded.prunedFolders, ['cache']);
    assert.equal(r.complete, true);
    // A rule that could bring back files from the unread folder.
    const r2 = reportOf(scan, v1, scan.rules.extend('!cache/keep', 'x'));
    assert.equal(r2.complete, false);
  });
});

describe('limits', () => {
  test('strictly above fails, exactly at passes', () => {
    assert.equal(judge(2000, 0, v1).verdict, 'near');
    assert.equal(judge(2001, 0, v1).verdict, 'over');
    assert.equal(judge(1, 314572800, v1).verdict, 'near');
    assert.equal(judge(1, 314572801, v1).verdict, 'over');
    assert.equal(judge(1599, 0, v1).verdict, 'ok');
    assert.equal(judge(1600, 0, v1).verdict, 'near');
  });

  test('azureml-v2 warns strictly above 100,000,000 bytes', () => {
    const v2 = resolveLimits('azureml-v2');
    assert.equal(judge(1, 100_000_000, v2).verdict, 'ok');
    assert.equal(judge(1, 100_000_001, v2).verdict, 'near');
    assert.equal(judge(10 ** 6, 0, v2).verdict, 'ok');
  });
});

describe('advisor', () => {
  test('known junk first, the smallest change, the notebook kept', async () => {
    const files: Record<string, number | string> = {
      'nb.ipynb': 100,
      'utils.py': 10,
      'requirements.txt': 20,
      'data/train.csv': 350 * MiB,
      '.git/HEAD': 10
    };
    for (let i = 0; i < 2500; i++) {
      files[`.venv/lib/site-packages/p${i}.py`] = 100;
    }
    files['.venv/pyvenv.cfg'] = 10;
    const scan = await scanFolder(new MemoryFileSystem(files));
    const p = propose(scan, v1, { notebook: 'nb.ipynb' });
    assert.equal(p.before.verdict, 'over');
    const checked = p.lines.filter(l => l.checked).map(l => l.pattern);
    assert.deepEqual(checked.sort(), ['.venv/', '/data/'].sort());
    assert.equal(p.after.verdict, 'ok');
    assert.ok(p.reachesTarget);
    // .git/ is offered but not needed.
    const git = p.lines.find(l => l.pattern === '.git/');
    assert.equal(git?.checked, false);
    // Left by construction: nb.ipynb, utils.py, requirements.txt, .git/HEAD,
    // and the .amlignore being written, which the SDK uploads too.
    const written = new TextEncoder().encode(
      composeAmlignore(scan, checked).text
    ).length;
    assert.deepEqual(
      { files: p.after.files, bytes: p.after.bytes },
      { files: 5, bytes: 100 + 10 + 20 + 10 + written }
    );
  });

  test('never excludes the notebook, code or small config files', async () => {
    const files: Record<string, number | string> = {
      'work/nb.ipynb': 10,
      'work/helper.py': 10,
      'work/config.json': 10,
      'work/big.bin': 400 * MiB
    };
    const scan = await scanFolder(new MemoryFileSystem(files));
    const p = propose(scan, v1, { notebook: 'work/nb.ipynb' });
    const rules = scan.rules.extend(
      p.lines
        .filter(l => l.checked)
        .map(l => l.pattern)
        .join('\n'),
      '.amlignore'
    );
    for (const keep of [
      'work/nb.ipynb',
      'work/helper.py',
      'work/config.json'
    ]) {
      assert.equal(rules.excludes(keep), false, keep);
    }
    assert.equal(rules.excludes('work/big.bin'), true);
  });

  // Each line offered, checked or not, is asked of pathspec on its own: the
  // user may tick any of them.
  async function linesReachingNotebook(
    files: Record<string, number | string>,
    notebook: string,
    keepCode: boolean
  ): Promise<string[]> {
    const scan = await scanFolder(new MemoryFileSystem(files));
    const p = propose(scan, v1, { notebook, keepCode });
    assert.ok(p.lines.length > 0, 'something is proposed');
    const ref = runReference(
      p.lines.map(l => ({ text: l.pattern, paths: [notebook] }))
    );
    return p.lines
      .filter(
        (_, k) => ref.cases[k].error !== null || ref.cases[k].results[0][0]
      )
      .map(l => l.pattern);
  }

  for (const keepCode of [true, false]) {
    test(`the notebook's folder is never proposed, even as run output or a venv (keepCode ${keepCode})`, async () => {
      const outputs = await linesReachingNotebook(
        {
          'outputs/nb.ipynb': 100,
          'outputs/model.bin': 400 * MiB,
          'outputs/logs/run.txt': 10,
          'train.py': 10
        },
        'outputs/nb.ipynb',
        keepCode
      );
      assert.deepEqual(outputs, []);
      const venv = await linesReachingNotebook(
        {
          'venv/pyvenv.cfg': 10,
          'venv/nb.ipynb': 100,
          'venv/lib/big.so': 400 * MiB
        },
        'venv/nb.ipynb',
        keepCode
      );
      assert.deepEqual(venv, []);
    });

    test(`junk folders are not proposed when one holds the notebook (keepCode ${keepCode})`, async () => {
      const files: Record<string, number | string> = {
        'work/.git/nb.ipynb': 100,
        'data/big.bin': 400 * MiB
      };
      for (let i = 0; i < 2500; i++) {
        files[`.git/objects/o${i}`] = 10;
      }
      const reaching = await linesReachingNotebook(
        files,
        'work/.git/nb.ipynb',
        keepCode
      );
      assert.deepEqual(reaching, []);
    });

    test(`a folder of data around the notebook is not proposed (keepCode ${keepCode})`, async () => {
      const reaching = await linesReachingNotebook(
        { 'data/nb.ipynb': 100, 'data/x.bin': 400 * MiB },
        'data/nb.ipynb',
        keepCode
      );
      assert.deepEqual(reaching, []);
    });
  }

  test('nothing is needed when within the target', async () => {
    const scan = await scanFolder(new MemoryFileSystem({ 'a.py': 1 }));
    const p = propose(scan, v1);
    assert.equal(p.needed, false);
    assert.equal(p.lines.filter(l => l.checked).length, 0);
  });

  test('with .gitignore active the new rules start from its lines', async () => {
    const scan = await scanFolder(
      new MemoryFileSystem({
        '.gitignore': '*.log\n',
        'a.log': 1,
        'b/c': 400 * MiB
      })
    );
    const p = propose(scan, v1);
    assert.equal(p.carriedFrom, '.gitignore');
    const t = composeAmlignore(
      scan,
      p.lines.filter(l => l.checked).map(l => l.pattern)
    );
    assert.equal(t.mode, 'create');
    assert.match(
      t.text,
      /\n\*\.log\n\n# >>> jupyterlab-snapshot-guard[^\n]*\n\/b\/\n# <<< /
    );
  });
});

describe('format and order', () => {
  test('sizes as Azure ML prints them, counts with separators', () => {
    assert.equal(formatBytes(314572800), '300 MB');
    assert.equal(formatBytes(2.1 * MiB), '2.1 MB');
    assert.equal(formatBytes(12), '12 bytes');
    assert.equal(formatCount(1546), '1,546');
  });

  test('compareUtf8 is UTF-8 byte order', () => {
    const xs = ['\uffff', '😀', 'a', 'é', 'B', '\ue000'];
    const bytes = [...xs].sort((a, b) =>
      Buffer.compare(Buffer.from(a), Buffer.from(b))
    );
    assert.deepEqual([...xs].sort(compareUtf8), bytes);
  });

  test('sortByPath is UTF-8 byte order, astral names or not', () => {
    const byBytes = (a: string, b: string) =>
      Buffer.compare(Buffer.from(a), Buffer.from(b));
    for (const xs of [
      ['z/\uffff', 'z/😀', 'z/a', 'é', 'B', 'z/\ue000', 'z'],
      ['b', 'a/b', 'a', 'é', 'B', 'a b', '~']
    ]) {
      const got = sortByPath(xs.map(path => ({ path }))).map(x => x.path);
      assert.deepEqual(got, [...xs].sort(byBytes));
    }
  });
});
