/**
 * The advisor's choices on small projects, with every expected line and
 * total counted by hand from the files listed here (and the aim the README
 * gives: just below the "near" mark), never from the engine's own totals.
 * Small limits keep the projects to a few files, so these run in
 * milliseconds inside `npm run mutate`.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  dataCandidates,
  previewRules,
  previewTotals,
  propose
} from '../../src/snapshot/advisor.js';
import { BLOCK_END, BLOCK_START } from '../../src/snapshot/amlignore.js';
import { resolveLimits } from '../../src/snapshot/limits.js';
import { scanFolder, type IScan } from '../../src/snapshot/scan.js';
import { MemoryFileSystem } from '../helpers/memory-fs.js';

/** 1000 bytes at most, near from 500: the aim is 499 bytes. */
const BYTES_1000 = resolveLimits('azureml-v1', {
  maxBytes: 1000,
  maxFiles: null,
  nearFraction: 0.5
});
/** 10 files at most, near from 5: the aim is 4 files. */
const FILES_10 = resolveLimits('azureml-v1', {
  maxBytes: null,
  maxFiles: 10,
  nearFraction: 0.5
});

/** dataCandidates for nb.ipynb as [path, kind, pattern, files, bytes] rows. */
function candidateRows(s: IScan): unknown[][] {
  return dataCandidates(s, { notebook: 'nb.ipynb' }).map(c => [
    c.path,
    c.kind,
    c.pattern,
    c.files,
    c.bytes
  ]);
}

function scan(files: Record<string, number | string>): Promise<IScan> {
  return scanFolder(new MemoryFileSystem(files));
}

/** 1,000,000 bytes at most, near from 500,000: the aim is 499,999 bytes. */
const BYTES_1M = resolveLimits('azureml-v1', {
  maxBytes: 1_000_000,
  maxFiles: null,
  nearFraction: 0.5
});

/** The bytes of a new `.amlignore` holding only these lines, after `head`. */
function written(lines: string[], head = ''): number {
  return Buffer.byteLength(
    head + [BLOCK_START, ...lines, BLOCK_END, ''].join('\n'),
    'utf8'
  );
}

/** Lines as [pattern, kind, checked, files, bytes, reason]. */
function linesOf(p: ReturnType<typeof propose>) {
  return p.lines.map(l => [
    l.pattern,
    l.kind,
    l.checked,
    l.files,
    l.bytes,
    l.reason ?? null
  ]);
}

describe('advisor: the aim', () => {
  test('just below the near mark of each limit (the largest count that is not near)', async () => {
    const s = await scan({ 'a.py': 1 });
    const target = (l: Parameters<typeof propose>[1]) => propose(s, l).target;
    // 314,572,800 × 0.8 = 251,658,240 and 2000 × 0.8 = 1600: one below.
    assert.deepEqual(target(resolveLimits('azureml-v1')), {
      bytes: 251_658_239,
      files: 1599
    });
    // v2 has no hard limits: the aim is its 100 MB warning, no file count.
    assert.deepEqual(target(resolveLimits('azureml-v2')), {
      bytes: 100_000_000,
      files: null
    });
    // 7 × 0.5 = 3.5: 3 is the largest count below it; 999 × 0.5 = 499.5: 499.
    assert.deepEqual(
      target(
        resolveLimits('azureml-v1', {
          maxBytes: 999,
          maxFiles: 7,
          nearFraction: 0.5
        })
      ),
      { bytes: 499, files: 3 }
    );
    // No byte limit and no warning: nothing to aim at; a limit of 0: 0.
    assert.deepEqual(
      target(resolveLimits('azureml-v1', { maxBytes: null, maxFiles: 0 })),
      { bytes: null, files: 0 }
    );
  });

  test('needed only above the aim, for bytes and for files', async () => {
    const bytes = (n: number) => ({ 'a.py': 1, 'b.bin': n - 1 });
    assert.equal(propose(await scan(bytes(499)), BYTES_1000).needed, false);
    assert.equal(propose(await scan(bytes(500)), BYTES_1000).needed, true);
    const files = (n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}.txt`, 1]));
    assert.equal(propose(await scan(files(4)), FILES_10).needed, false);
    assert.equal(propose(await scan(files(5)), FILES_10).needed, true);
  });
});

describe('advisor: the lines', () => {
  test('junk first, then the smallest change; lines and totals counted by hand', async () => {
    const s = await scan({
      'nb.ipynb': 10,
      'train.py': 10,
      'data/big.bin': 600,
      'cache/c.tmp': 250,
      '.git/obj': 50
    });
    // 920 bytes, 421 above the aim. .git/ goes first as junk (870 left,
    // 371 to go); /data/ alone then suffices, and .git/ is not needed after
    // all: offered, unchecked.
    const p = propose(s, BYTES_1000, { notebook: 'nb.ipynb' });
    assert.deepEqual(linesOf(p), [
      ['.git/', 'junk', false, 1, 50, 'version-control'],
      ['/data/', 'folder', true, 1, 600, null]
    ]);
    assert.equal(p.lines[1].label, 'data/');
    assert.equal(p.lines[0].label, '.git/');
    assert.deepEqual(p.before, { files: 5, bytes: 920, verdict: 'near' });
    // Left: nb.ipynb, train.py, cache/c.tmp, .git/obj and the new .amlignore.
    const after = 10 + 10 + 250 + 50 + written(['/data/']);
    assert.deepEqual(p.after, { files: 5, bytes: after, verdict: 'ok' });
    assert.equal(p.reachesTarget, true);
    assert.equal(p.needed, true);
    assert.equal(p.carriedFrom, null);
  });

  test('each pick takes the largest share of what is still above each limit, at most all of it', async () => {
    const limits = resolveLimits('azureml-v1', {
      maxBytes: 1000,
      maxFiles: 10,
      nearFraction: 0.5
    });
    // 501 bytes in 6 files: 2 bytes and 2 files above the aim (499, 4).
    // /x/ takes all the bytes needed but only one file (1 + 1/2); /y/ takes
    // all of both (1 + 1): /y/ alone, although its byte share uncapped
    // (15) is far below that of /x/ (225).
    const s = await scan({
      'nb.ipynb': 1,
      'x/big': 450,
      'y/1': 10,
      'y/2': 10,
      'y/3': 10,
      'z/1': 20
    });
    const p = propose(s, limits, { notebook: 'nb.ipynb' });
    assert.deepEqual(linesOf(p), [['/y/', 'folder', true, 3, 30, null]]);
  });

  test('a line that removes nothing more is not taken, even when the aim is out of reach', async () => {
    // The notebook alone is above the aim. /data/ takes 300 of the 401
    // bytes needed; *.bin and /data/x.bin then remove nothing more.
    const s = await scan({ 'nb.ipynb': 600, 'data/x.bin': 300 });
    const p = propose(s, BYTES_1000, { notebook: 'nb.ipynb' });
    assert.deepEqual(linesOf(p), [['/data/', 'folder', true, 1, 300, null]]);
    assert.equal(p.reachesTarget, false);
  });

  test('the file count: the folder that holds the most files goes', async () => {
    const files: Record<string, number> = { 'nb.ipynb': 1 };
    for (let i = 0; i < 6; i++) {
      files[`many/f${i}`] = 1;
    }
    files['big/one'] = 900;
    // 8 files, 4 above the aim of 4: many/ (6 files) reaches it alone;
    // big/ (1 file, but the most bytes) does not.
    const p = propose(await scan(files), FILES_10, { notebook: 'nb.ipynb' });
    // The byte limit is off: big/'s 900 bytes earn it no share.
    assert.deepEqual(linesOf(p), [['/many/', 'folder', true, 6, 6, null]]);
    assert.deepEqual(p.after, {
      files: 3,
      bytes: 1 + 900 + written(['/many/']),
      verdict: 'ok'
    });
  });

  test('file types and single files when no folder is free of code', async () => {
    const s = await scan({
      'nb.ipynb': 10,
      'w/run.py': 10,
      'w/a.bin': 300,
      'w/b.bin': 300,
      'w/notes.txt': 200
    });
    // w/ holds code: not offered. 820 bytes, 321 above the aim: *.bin
    // (600) is the best share.
    const p = propose(s, BYTES_1000, { notebook: 'nb.ipynb' });
    assert.deepEqual(
      p.lines.map(l => [
        l.pattern,
        l.label,
        l.kind,
        l.checked,
        l.files,
        l.bytes
      ]),
      [['*.bin', '*.bin', 'type', true, 2, 600]]
    );
  });

  test('single files: the biggest that may go, anchored and escaped', async () => {
    const s = await scan({
      'nb.ipynb': 10,
      'w/run.py': 10,
      'w/dump': 490,
      'w/core': 485
    });
    // No extension to name, no folder free of code: files, biggest first.
    // 995 bytes, 496 above the aim: neither file is enough alone.
    const p = propose(s, BYTES_1000, { notebook: 'nb.ipynb' });
    assert.deepEqual(
      p.lines.map(l => [l.pattern, l.kind, l.label, l.checked, l.bytes]),
      [
        ['/w/dump', 'file', 'w/dump', true, 490],
        ['/w/core', 'file', 'w/core', true, 485]
      ]
    );
  });

  test('keepCode: code and small config files stay unless switched off; the notebook always', async () => {
    const files = {
      'nb.ipynb': 10,
      'lib/big.py': 600,
      'conf/settings.json': 300
    };
    const s = await scan(files);
    const kept = propose(s, BYTES_1000, { notebook: 'nb.ipynb' });
    assert.deepEqual(kept.lines, []);
    assert.equal(kept.reachesTarget, false);
    const free = propose(s, BYTES_1000, {
      notebook: 'nb.ipynb',
      keepCode: false
    });
    assert.deepEqual(
      free.lines.filter(l => l.checked).map(l => l.pattern),
      ['/lib/']
    );
    assert.equal(free.reachesTarget, true);
    for (const l of free.lines) {
      assert.notEqual(l.pattern, '*.ipynb');
      assert.notEqual(l.pattern, '/nb.ipynb');
    }
  });

  test('config files: kept by name or extension up to 64 KiB', async () => {
    const limits = resolveLimits('azureml-v1', {
      maxBytes: 100_000,
      maxFiles: null,
      nearFraction: 0.5
    });
    // (setup.py is code: kept at any size.)
    const names = [
      'requirements.txt',
      'environment.yml',
      'config.json',
      'setup.cfg',
      'pyproject.toml',
      'MLproject',
      'Dockerfile',
      'x.json',
      'x.yml',
      'x.yaml',
      'x.toml',
      'x.cfg',
      'x.ini'
    ];
    for (const name of names) {
      // Each alone in its folder, beside 60,000 bytes of data.
      const small = await scan({ [`c/${name}`]: 65_536, 'd/x.bin': 60_000 });
      assert.deepEqual(
        propose(small, limits).lines.map(l => l.pattern),
        ['/d/'],
        `${name} of 64 KiB is kept`
      );
      const big = await scan({ [`c/${name}`]: 65_537, 'd/x.bin': 60_000 });
      assert.ok(
        propose(big, limits).lines.some(l => l.pattern === '/c/'),
        `${name} above 64 KiB may go`
      );
    }
    // Not a config file: may go whatever its size.
    const readme = await scan({ 'c/README': 65_536, 'd/x.bin': 60_000 });
    assert.deepEqual(
      propose(readme, limits).lines.map(l => l.pattern),
      ['/c/', '/d/']
    );
  });
});

describe('advisor: known junk', () => {
  test('junk folders anywhere, with their reasons', async () => {
    const junk: Array<[string, string]> = [
      ['.git', 'version-control'],
      ['.venv', 'environment'],
      ['node_modules', 'environment'],
      ['__pycache__', 'cache'],
      ['.ipynb_checkpoints', 'checkpoints'],
      ['.ipynb_aml_checkpoints', 'azureml-editor'],
      ['.mypy_cache', 'cache'],
      ['.pytest_cache', 'cache'],
      ['.ruff_cache', 'cache'],
      ['.tox', 'environment']
    ];
    for (const [name, reason] of junk) {
      const s = await scan({
        'nb.ipynb': 1,
        [`${name}/a`]: 2,
        [`src/${name}/b`]: 3,
        [`${name}x/c`]: 4,
        'big.bin': 990
      });
      const p = propose(s, BYTES_1000, { notebook: 'nb.ipynb' });
      const line = p.lines.find(l => l.kind === 'junk');
      // Both copies, not the folder whose name only starts the same.
      assert.deepEqual(
        line && [line.pattern, line.label, line.reason, line.files, line.bytes],
        [`${name}/`, `${name}/`, reason, 2, 5],
        name
      );
    }
  });

  test('run output only at the root; a virtual environment only with pyvenv.cfg', async () => {
    const s = await scan({
      'nb.ipynb': 1,
      'outputs/m.pkl': 20,
      'mlruns/0/meta': 30,
      'src/outputs/f.txt': 1,
      'azureml-setup/s.sh': 2,
      '.azureml-outputs/o': 3,
      'wandb/run/w': 4,
      'lightning_logs/v0/l': 6,
      'logs/a/wandb/x': 1,
      'venv/pyvenv.cfg': 5,
      'venv/lib/x.so': 40,
      'env/pyvenv.cfg': 8,
      '.env/pyvenv.cfg': 9,
      // Not an environment: no pyvenv.cfg of its own.
      'lib/env/y.so': 7,
      'big.bin': 900
    });
    const p = propose(s, BYTES_1000, { notebook: 'nb.ipynb' });
    assert.deepEqual(
      p.lines
        .filter(l => l.kind === 'junk')
        .map(l => [l.pattern, l.label, l.reason, l.files, l.bytes])
        .sort(),
      [
        ['/.azureml-outputs/', '.azureml-outputs/', 'run-output', 1, 3],
        ['/.env/', '.env/', 'environment', 1, 9],
        ['/azureml-setup/', 'azureml-setup/', 'run-output', 1, 2],
        ['/env/', 'env/', 'environment', 1, 8],
        ['/lightning_logs/', 'lightning_logs/', 'tool-output', 1, 6],
        ['/logs/', 'logs/', 'run-output', 1, 1],
        ['/mlruns/', 'mlruns/', 'tool-output', 1, 30],
        ['/outputs/', 'outputs/', 'run-output', 1, 20],
        ['/venv/', 'venv/', 'environment', 2, 45],
        ['/wandb/', 'wandb/', 'tool-output', 1, 4]
      ]
    );
  });

  test("the editor's temporary files, also as folder names", async () => {
    const s = await scan({
      'nb.ipynb': 1,
      'nb.ipynb.amltmp': 10,
      'x.amltemp/inner': 20,
      'big.bin': 990
    });
    const p = propose(s, BYTES_1000, { notebook: 'nb.ipynb' });
    assert.deepEqual(
      p.lines
        .filter(l => l.kind === 'junk')
        .map(l => [l.pattern, l.label, l.reason, l.files, l.bytes])
        .sort(),
      [
        ['*.amltemp', '*.amltemp', 'azureml-editor', 1, 20],
        ['*.amltmp', '*.amltmp', 'azureml-editor', 1, 10]
      ]
    );
    // Offered as junk, so not again as a file type.
    assert.equal(p.lines.filter(l => l.pattern === '*.amltmp').length, 1);
  });
});

describe('dataCandidates', () => {
  test('biggest first, at most `max`, without junk, nested files or a trailing slash', async () => {
    const s = await scan({
      'nb.ipynb': 1,
      'a/x.bin': 500,
      'a/y.bin': 100,
      'b.parquet': 300,
      'c/z.csv': 200,
      '.git/objects/o': 5000,
      'd/n.dat': 50
    });
    assert.deepEqual(candidateRows(s), [
      ['a', 'dir', '/a/', 2, 600],
      ['b.parquet', 'file', '/b.parquet', 1, 300],
      ['c', 'dir', '/c/', 1, 200],
      ['d', 'dir', '/d/', 1, 50]
    ]);
    assert.deepEqual(
      dataCandidates(s, { notebook: 'nb.ipynb' }, 2).map(c => c.path),
      ['a', 'b.parquet']
    );
  });
});

describe('advisor: overlapping lines and the order of candidates', () => {
  test('junk is offered even when nothing is needed', async () => {
    const p = propose(
      await scan({ 'nb.ipynb': 1, '.git/x': 5, 'a.py': 1 }),
      BYTES_1000,
      { notebook: 'nb.ipynb' }
    );
    assert.equal(p.needed, false);
    assert.deepEqual(linesOf(p), [
      ['.git/', 'junk', false, 1, 5, 'version-control']
    ]);
    assert.deepEqual(p.after, { files: 3, bytes: 7, verdict: 'ok' });
  });

  test('a file already taken by an earlier line is not counted twice', async () => {
    // 608,500 bytes, 108,501 above the aim of 499,999. .git/ (both copies,
    // 101,000) first; /w/ then adds only w/x (5,000), /u/ 4,000: 498,500.
    // Without /w/ or /u/: 502,500 or 503,500, too much; without .git/ only
    // .git/p comes back (w/.git/q goes with /w/): 499,500, so .git/ is not
    // needed after all.
    const s = await scan({
      'main.py': 485_000,
      'nb.ipynb': 10_000,
      '.git/p': 1_000,
      'w/.git/q': 100_000,
      'w/x': 5_000,
      'u/y': 4_000,
      't/z': 3_500
    });
    const p = propose(s, BYTES_1M, { notebook: 'nb.ipynb' });
    assert.deepEqual(linesOf(p), [
      ['.git/', 'junk', false, 2, 101_000, 'version-control'],
      ['/w/', 'folder', true, 2, 105_000, null],
      ['/u/', 'folder', true, 1, 4_000, null]
    ]);
    assert.equal(p.reachesTarget, true);
    assert.deepEqual(p.after, {
      files: 5,
      bytes: 499_500 + written(['/w/', '/u/']),
      verdict: 'ok'
    });
  });

  test('dropping a line whose files another line also takes gives nothing back', async () => {
    // 505,000 bytes: .git/ (2,000) then /w/ (6,000 more): 497,000. /w/
    // also holds w/.git/q, so .git/ adds nothing: unchecked.
    const s = await scan({
      'main.py': 484_000,
      'nb.ipynb': 10_000,
      'w/.git/q': 2_000,
      'w/x': 6_000,
      'u/y': 3_000
    });
    const p = propose(s, BYTES_1M, { notebook: 'nb.ipynb' });
    assert.deepEqual(linesOf(p), [
      ['.git/', 'junk', false, 1, 2_000, 'version-control'],
      ['/w/', 'folder', true, 2, 8_000, null]
    ]);
  });

  test('the last line taken is the first one tried for dropping', async () => {
    // 510,000 bytes, 10,001 above the aim: .git/ (4,000), __pycache__/
    // (3,000), then /data/ (8,000). Either junk line can go once /data/ is
    // in, not both: the later one (__pycache__/) is dropped.
    const s = await scan({
      'main.py': 485_000,
      'nb.ipynb': 10_000,
      '.git/o': 4_000,
      '__pycache__/m.pyc': 3_000,
      'data/big': 8_000
    });
    const p = propose(s, BYTES_1M, { notebook: 'nb.ipynb' });
    assert.deepEqual(linesOf(p), [
      ['.git/', 'junk', true, 1, 4_000, 'version-control'],
      ['__pycache__/', 'junk', false, 1, 3_000, 'cache'],
      ['/data/', 'folder', true, 1, 8_000, null]
    ]);
    assert.equal(p.reachesTarget, true);
  });

  test('between equal shares the biggest folder, type or file comes first', async () => {
    // 710 bytes, 211 above the aim: a/ (more files) and b/ (more bytes)
    // each take all of it.
    const folders = propose(
      await scan({ 'nb.ipynb': 10, 'a/x': 150, 'a/w': 150, 'b/y': 400 }),
      BYTES_1000,
      { notebook: 'nb.ipynb' }
    );
    assert.deepEqual(linesOf(folders), [['/b/', 'folder', true, 1, 400, null]]);
    const types = propose(
      await scan({
        'nb.ipynb': 10,
        'w/run.py': 10,
        'w/a.small': 150,
        'w/b.small': 150,
        'w/c.big': 400
      }),
      BYTES_1000,
      { notebook: 'nb.ipynb' }
    );
    assert.deepEqual(linesOf(types), [['*.big', 'type', true, 1, 400, null]]);
    const files = propose(
      await scan({
        'nb.ipynb': 10,
        'w/run.py': 10,
        'w/small': 300,
        'w/zbig': 400
      }),
      BYTES_1000,
      { notebook: 'nb.ipynb' }
    );
    assert.deepEqual(linesOf(files), [['/w/zbig', 'file', true, 1, 400, null]]);
  });

  test('shares: a folder before a file type when both take all that is needed', async () => {
    // 720 bytes, 221 above the aim: /a/ (300) and *.big (400) both 1.
    const p = propose(
      await scan({
        'nb.ipynb': 10,
        'a/x': 300,
        'w/run.py': 10,
        'w/c.big': 400
      }),
      BYTES_1000,
      { notebook: 'nb.ipynb' }
    );
    assert.deepEqual(linesOf(p), [['/a/', 'folder', true, 1, 300, null]]);
    // The same by file count: 11 files, 2 above the aim of 9.
    const byFiles = resolveLimits('azureml-v1', {
      maxBytes: null,
      maxFiles: 20,
      nearFraction: 0.5
    });
    const files: Record<string, number> = { 'nb.ipynb': 1, 'w/run.py': 1 };
    for (let i = 0; i < 4; i++) {
      files[`a/${i}`] = 1;
      files[`w/${i}.big`] = 1;
    }
    files['w/4.big'] = 1;
    const q = propose(await scan(files), byFiles, { notebook: 'nb.ipynb' });
    assert.deepEqual(linesOf(q), [['/a/', 'folder', true, 4, 4, null]]);
  });

  test('shares: a bigger share of the bytes wins over a folder listed first', async () => {
    // 900 bytes, 401 above the aim: /a/ takes a quarter, *.big all of it.
    const p = propose(
      await scan({
        'nb.ipynb': 10,
        'a/x': 100,
        'w/run.py': 10,
        'w/c.big': 780
      }),
      BYTES_1000,
      { notebook: 'nb.ipynb' }
    );
    assert.deepEqual(linesOf(p), [['*.big', 'type', true, 1, 780, null]]);
  });

  test('shares: at most all of the files needed count', async () => {
    const limits = resolveLimits('azureml-v1', {
      maxBytes: 1000,
      maxFiles: 24,
      nearFraction: 0.5
    });
    const files: Record<string, number> = {
      'nb.ipynb': 1,
      'main.py': 300,
      'y/1': 200,
      'y/2': 200
    };
    for (let i = 0; i < 10; i++) {
      files[`x/${i}`] = 5;
    }
    // 751 bytes and 14 files: 252 bytes and 3 files above the aims (499,
    // 11). /x/: 50/252 of the bytes and all the files (10 of 3, capped):
    // 1.2; /y/: all the bytes and 2/3 of the files: 1.67. Then /x/ for the
    // last file.
    const p = propose(await scan(files), limits, { notebook: 'nb.ipynb' });
    assert.deepEqual(linesOf(p), [
      ['/y/', 'folder', true, 2, 400, null],
      ['/x/', 'folder', true, 10, 50, null]
    ]);
  });

  test('shares: a limit already met does not count', async () => {
    const limits = resolveLimits('azureml-v1', {
      maxBytes: 1000,
      maxFiles: 100,
      nearFraction: 0.5
    });
    const files: Record<string, number> = { 'nb.ipynb': 10, 'a/x': 300 };
    for (let i = 0; i < 10; i++) {
      files[`b/${i}`] = 40;
    }
    // 710 bytes in 12 files: 211 bytes above the aim, the files well
    // within theirs (49). /b/ (400) and /a/ (300) both take all the bytes:
    // the bigger first, whatever its file count.
    const p = propose(await scan(files), limits, { notebook: 'nb.ipynb' });
    assert.deepEqual(linesOf(p), [['/b/', 'folder', true, 10, 400, null]]);
  });

  test('folders: the 60 biggest by bytes and the 60 with the most files', async () => {
    const limits = resolveLimits('azureml-v1', {
      maxBytes: null,
      maxFiles: 300,
      nearFraction: 0.5
    });
    const files: Record<string, number> = { 'nb.ipynb': 1 };
    const folders = (prefix: string) => {
      for (let i = 0; i < 60; i++) {
        files[`${prefix}${String(i).padStart(2, '0')}/f`] = 10;
      }
    };
    // 60 folders listed on either side of many/, whichever way the walk
    // goes: many/ is the 61st folder seen.
    folders('a');
    // The smallest by bytes: only its file count brings it in.
    for (let i = 0; i < 70; i++) {
      files[`many/m${i}`] = 0;
    }
    folders('z');
    // 191 files, 42 above the aim of 149: many/ alone.
    const p = propose(await scan(files), limits, { notebook: 'nb.ipynb' });
    assert.deepEqual(linesOf(p), [['/many/', 'folder', true, 70, 0, null]]);
  });

  test('at most 60 folders are offered', async () => {
    const limits = resolveLimits('azureml-v1', {
      maxBytes: null,
      maxFiles: 20,
      nearFraction: 0.5
    });
    const files: Record<string, number> = { 'nb.ipynb': 1 };
    for (let i = 0; i < 70; i++) {
      files[`d${String(i).padStart(2, '0')}/f`] = 10;
    }
    // 71 files, 62 above the aim of 9; all alike, so the 60 folders and
    // the 20 single files offered are the first seen: the files lie in
    // those folders, and the aim stays out of reach.
    const p = propose(await scan(files), limits, { notebook: 'nb.ipynb' });
    assert.equal(p.lines.length, 60);
    assert.ok(p.lines.every(l => l.kind === 'folder' && l.checked));
    assert.equal(p.reachesTarget, false);
  });

  test('at most 20 single files are offered', async () => {
    const files: Record<string, number> = { 'nb.ipynb': 10, 'w/run.py': 10 };
    for (let i = 0; i < 25; i++) {
      files[`w/f${String(i).padStart(2, '0')}`] = 100;
    }
    // 2,520 bytes, 2,021 above the aim; 20 files take 2,000.
    const p = propose(await scan(files), BYTES_1000, { notebook: 'nb.ipynb' });
    assert.equal(p.lines.length, 20);
    assert.ok(p.lines.every(l => l.kind === 'file' && l.checked));
    assert.equal(p.reachesTarget, false);
  });

  test('no file type for a name that starts with its only dot or an extension that needs escaping', async () => {
    for (const name of ['w/.bigdump', 'w/data.a b']) {
      const p = propose(
        await scan({ 'nb.ipynb': 10, 'w/run.py': 10, [name]: 600 }),
        BYTES_1000,
        { notebook: 'nb.ipynb' }
      );
      assert.deepEqual(
        p.lines.map(l => [l.kind, l.label]),
        [['file', name]]
      );
    }
  });

  test('keepCode off: the folders beside the notebook are still offered', async () => {
    const p = propose(
      await scan({
        'w/nb.ipynb': 10,
        'w/data/x.bin': 600,
        'w/data/y.bin': 100
      }),
      BYTES_1000,
      { notebook: 'w/nb.ipynb', keepCode: false }
    );
    assert.deepEqual(linesOf(p), [['/w/data/', 'folder', true, 2, 700, null]]);
  });

  test('a line whose escaped pattern would also take the notebook is not offered', async () => {
    // A line break cannot be written in .amlignore: `?` stands for it, and
    // `/a?b.ipynb` also matches the notebook a-b.ipynb.
    const s = await scan({ 'a-b.ipynb': 10, 'a\nb.ipynb': 900 });
    const p = propose(s, BYTES_1000, {
      notebook: 'a-b.ipynb',
      keepCode: false
    });
    assert.deepEqual(p.lines, []);
    assert.deepEqual(
      dataCandidates(s, { notebook: 'a-b.ipynb', keepCode: false }),
      []
    );
  });

  test('past 20 file types, a type with many small files is still offered (the 20 biggest by count)', async () => {
    // 21 types of one 100-byte file each, and *.many: 6 files of 1 byte,
    // the smallest type by bytes but the biggest by count. 27 files, 23
    // above the aim of 4: *.many first (6 files), then one type per file
    // in the order offered (*.e01 ... by bytes, ties in path order), 17 of
    // them. *.e21 is 21st by bytes and tied 2nd by count behind 20 others:
    // never a candidate, nor is t21.e21 among the 20 biggest files.
    const files: Record<string, number> = {};
    const ext = (k: number) => `.e${String(k).padStart(2, '0')}`;
    for (let k = 1; k <= 21; k++) {
      files[`t${String(k).padStart(2, '0')}${ext(k)}`] = 100;
    }
    for (let k = 1; k <= 6; k++) {
      files[`m${k}.many`] = 1;
    }
    const p = propose(await scan(files), FILES_10);
    assert.deepEqual(linesOf(p), [
      ['*.many', 'type', true, 6, 6, null],
      ...Array.from({ length: 17 }, (_, k) => [
        `*${ext(k + 1)}`,
        'type',
        true,
        1,
        100,
        null
      ])
    ]);
  });
});

describe('advisor: an existing ignore file', () => {
  test('.amlignore: its rules count before, and it is replaced by the longer one after', async () => {
    const s = await scan({
      '.amlignore': 'logs/\n',
      'nb.ipynb': 10,
      'logs/a.log': 5000,
      'data/x': 600
    });
    // Before: .amlignore (6), nb.ipynb and data/x; logs/ is left out.
    const p = propose(s, BYTES_1000, { notebook: 'nb.ipynb' });
    assert.deepEqual(p.before, { files: 3, bytes: 616, verdict: 'near' });
    assert.deepEqual(previewTotals(s, BYTES_1000, []), {
      files: 3,
      bytes: 616,
      verdict: 'near'
    });
    assert.deepEqual(linesOf(p), [['/data/', 'folder', true, 1, 600, null]]);
    // After: nb.ipynb and the .amlignore with the block appended.
    assert.deepEqual(p.after, {
      files: 2,
      bytes: 10 + written(['/data/'], 'logs/\n'),
      verdict: 'ok'
    });
  });

  test('without lines the preview is the folder as it is; a line may exclude the .amlignore itself', async () => {
    const s = await scan({ 'a.py': 1, '.hidden': 5 });
    const rules = previewRules(s, []);
    assert.equal(rules.source, null);
    assert.deepEqual(rules.rules, []);
    // `.*` takes .hidden and the .amlignore it is written to.
    assert.deepEqual(previewTotals(s, BYTES_1000, ['.*']), {
      files: 1,
      bytes: 1,
      verdict: 'ok'
    });
  });

  test('the preview labels the new lines .amlignore, after the carried-over .gitignore', async () => {
    const s = await scan({
      '.gitignore': '*.log\n',
      'a.log': 1,
      'data/x': 1
    });
    const rules = previewRules(s, ['/data/']);
    assert.deepEqual(
      [rules.decide('a.log').rule, rules.decide('data/x').rule].map(
        r => r && [r.source, r.line, r.text]
      ),
      [
        ['.gitignore', 1, '*.log'],
        ['.amlignore', 1, '/data/']
      ]
    );
  });
});

describe('dataCandidates: folders', () => {
  test('a folder beside code, by its path; a folder with some junk inside', async () => {
    const s = await scan({
      'nb.ipynb': 1,
      'w/run.py': 10,
      'w/data/x.bin': 500,
      'proj/big.bin': 300,
      'proj/__pycache__/c.pyc': 10
    });
    assert.deepEqual(candidateRows(s), [
      ['w/data', 'dir', '/w/data/', 1, 500],
      ['proj', 'dir', '/proj/', 2, 310]
    ]);
  });
});
