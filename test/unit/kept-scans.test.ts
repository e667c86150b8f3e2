/**
 * What the listing worker answers about the scans it keeps (the report and
 * the advisor's answers for the fixes), asked as the page asks it. Every
 * expected line, total and path is counted by hand from the files listed
 * here, or taken from the spec's table of where the SDKs differ (3.4).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KeptScans } from '../../src/kernel/kept-scans.js';
import type { ToWorker } from '../../src/kernel/measure-protocol.js';
import type { AdviceQuestion } from '../../src/snapshot/advisor.js';
import { BLOCK_END, BLOCK_START } from '../../src/snapshot/amlignore.js';
import { resolveLimits } from '../../src/snapshot/limits.js';
import { scanFolder, type IScan } from '../../src/snapshot/scan.js';
import type { Sdk } from '../../src/snapshot/types.js';
import { MemoryFileSystem } from '../helpers/memory-fs.js';

/** 1000 bytes at most, near from 500: the aim is 499 bytes. */
const BYTES_1000 = resolveLimits('azureml-v1', {
  maxBytes: 1000,
  maxFiles: null,
  nearFraction: 0.5
});

/** Scanned as the worker scans a listing: excluded folders read too. */
function scan(files: Record<string, number | string>): Promise<IScan> {
  return scanFolder(new MemoryFileSystem(files), { prune: false });
}

function ask(
  scans: KeptScans,
  id: number,
  question: AdviceQuestion,
  sdk: Sdk = 'v1'
) {
  const message: ToWorker & { type: 'advise' } = {
    type: 'advise',
    id: 100 + id,
    scan: id,
    sdk,
    profileReason: 'test',
    question
  };
  return scans.advise(message);
}

/** The bytes of a new `.amlignore` holding only these lines. */
function written(lines: string[]): number {
  return Buffer.byteLength(
    [BLOCK_START, ...lines, BLOCK_END, ''].join('\n'),
    'utf8'
  );
}

describe('the scans the listing worker keeps', () => {
  const project = {
    'nb.ipynb': 10,
    'train.py': 10,
    'data/big.bin': 600,
    'cache/c.tmp': 250,
    '.git/obj': 50
  };

  test('advice on a kept scan: proposed lines, live totals and data, counted by hand', async () => {
    const scans = new KeptScans(4);
    scans.add(7, await scan(project));
    const proposal = ask(scans, 7, {
      kind: 'propose',
      limits: BYTES_1000,
      options: { notebook: 'nb.ipynb' }
    });
    assert.equal(proposal.id, 107);
    assert.equal(proposal.error, undefined);
    const p = proposal.advice as {
      lines: { pattern: string; checked: boolean; files: number }[];
      before: unknown;
      after: unknown;
    };
    // 920 bytes, 421 above the aim: .git/ (junk) first, then /data/ alone
    // suffices and .git/ is dropped again (offered, unchecked).
    assert.deepEqual(
      p.lines.map(l => [l.pattern, l.checked, l.files]),
      [
        ['.git/', false, 1],
        ['/data/', true, 1]
      ]
    );
    assert.deepEqual(p.before, { files: 5, bytes: 920, verdict: 'near' });
    const left = 10 + 10 + 250 + 50;
    assert.deepEqual(p.after, {
      files: 5,
      bytes: left + written(['/data/']),
      verdict: 'ok'
    });

    // The live totals of other lines: cache/ and data/ out, .amlignore in.
    assert.deepEqual(
      ask(scans, 7, {
        kind: 'preview',
        limits: BYTES_1000,
        patterns: ['/data/', 'cache/']
      }).advice,
      {
        files: 4,
        bytes: 10 + 10 + 50 + written(['/data/', 'cache/']),
        verdict: 'ok'
      }
    );

    // Data for a datastore: the folders without code, biggest first; not
    // .git/ (junk), never the notebook or train.py.
    const data = ask(scans, 7, {
      kind: 'data',
      options: { notebook: 'nb.ipynb' }
    }).advice as { path: string; files: number; bytes: number }[];
    assert.deepEqual(
      data.map(c => [c.path, c.files, c.bytes]),
      [
        ['data', 1, 600],
        ['cache', 1, 250]
      ]
    );
  });

  test('read by the SDK the page says, not the one it was scanned with', async () => {
    // Spec 3.4: `build` `!build/keep.txt` — v1 uploads nothing of build/,
    // v2 uploads build/keep.txt; both size checks count its 100 bytes.
    const amlignore = 'build\n!build/keep.txt\n';
    const scans = new KeptScans(4);
    scans.add(
      1,
      await scan({
        '.amlignore': amlignore,
        'nb.ipynb': 10,
        'build/keep.txt': 100,
        'build/a.txt': 200
      })
    );
    const none = { kind: 'preview', limits: BYTES_1000, patterns: [] };
    const bytes = amlignore.length + 10 + 100;
    assert.deepEqual(ask(scans, 1, none as AdviceQuestion, 'v1').advice, {
      files: 2,
      bytes,
      verdict: 'ok'
    });
    assert.deepEqual(ask(scans, 1, none as AdviceQuestion, 'v2').advice, {
      files: 3,
      bytes,
      verdict: 'ok'
    });
  });

  test("the notebook's companions, among the files uploaded only", async () => {
    const scans = new KeptScans(4);
    scans.add(
      5,
      await scan({
        ...project,
        '.amlignore': 'cache/\n'
      })
    );
    const answer = ask(scans, 5, {
      kind: 'companions',
      notebook: 'nb.ipynb',
      cells: [
        'import train\ndf = open("data/big.bin")\nold = open("cache/c.tmp")'
      ]
    });
    // train.py (imported), data/big.bin (named, 600 bytes); not
    // cache/c.tmp, which .amlignore leaves out of the upload.
    assert.deepEqual(answer.advice, [
      {
        path: 'train.py',
        kind: 'file',
        reason: 'import',
        files: 1,
        bytes: 10,
        checked: true
      },
      {
        path: 'data/big.bin',
        kind: 'file',
        reason: 'path',
        files: 1,
        bytes: 600,
        checked: true
      }
    ]);
  });

  test('the report: its upload list as indices into the kept files', async () => {
    const scans = new KeptScans(4);
    const s = await scan(project);
    scans.add(3, s);
    const done = scans.report({
      type: 'report',
      id: 9,
      scan: 3,
      sdk: 'v1',
      profileReason: 'test',
      limits: BYTES_1000,
      data: { notebook: 'nb.ipynb' }
    });
    assert.equal(done.report?.files, 5);
    assert.equal(done.report?.bytes, 920);
    // Sorted by UTF-8 bytes, as the SDK lists them.
    assert.deepEqual(
      Array.from(done.included!, i => s.files[i].path),
      ['.git/obj', 'cache/c.tmp', 'data/big.bin', 'nb.ipynb', 'train.py']
    );
    assert.equal(done.dataToMove, true);
  });

  test('keeps the last scans only; a scan no longer kept is gone', async () => {
    const scans = new KeptScans(2);
    const s = await scan(project);
    scans.add(1, s);
    scans.add(2, s);
    scans.add(3, s);
    const data: AdviceQuestion = { kind: 'data' };
    assert.equal(ask(scans, 1, data).error, 'gone');
    assert.equal(ask(scans, 1, data).advice, undefined);
    assert.equal(ask(scans, 2, data).error, undefined);
    assert.equal(ask(scans, 3, data).error, undefined);
    assert.equal(
      scans.report({
        type: 'report',
        id: 4,
        scan: 1,
        sdk: 'v1',
        profileReason: '',
        limits: BYTES_1000
      }).error,
      'gone'
    );
  });
});
