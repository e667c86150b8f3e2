/**
 * The report's sums, order and flags on small inputs, with every expected
 * value counted by hand from the files listed here (matching by the spec's
 * rules, section 3: `*.log` at any depth, a folder line excluding all below
 * it), not from the engine's own totals.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  account,
  byFolder,
  byType,
  childrenOf,
  tally
} from '../../src/snapshot/accounting.js';
import { resolveLimits } from '../../src/snapshot/limits.js';
import { RuleSet } from '../../src/snapshot/rules.js';
import { reportOf, rescope, scanFolder } from '../../src/snapshot/scan.js';
import { MemoryFileSystem } from '../helpers/memory-fs.js';
import type { ISpecialRecord, IWarning } from '../../src/snapshot/types.js';

/** 200 bytes and 10 files at most, near from half of each. */
const SMALL = resolveLimits('azureml-v1', {
  maxBytes: 200,
  maxFiles: 10,
  nearFraction: 0.5
});

const FILES = [
  { path: 'b/x.log', size: 5 },
  { path: '\u{1F600}.txt', size: 2 },
  { path: 'Z.bin', size: 40 },
  { path: 'a/x.py', size: 10 },
  { path: 'a/y.PY', size: 20 },
  { path: '\uFF5E.txt', size: 1 },
  { path: 'b/c.dat', size: 30 },
  { path: 'é.txt', size: 3 },
  { path: 'top.log', size: 7 }
];

describe('account', () => {
  test('the upload list in UTF-8 byte order, what was left out, the bars and types', () => {
    const warning: IWarning = { kind: 'unreadable', path: 'u', message: 'm' };
    const report = account({
      files: FILES,
      prunedFolders: ['zz', 'b/q', 'A'],
      warnings: [warning],
      rules: RuleSet.parse('*.log\nzz/\nb/q/\nA/\n', '.amlignore'),
      limits: SMALL
    });
    // UTF-8 order: Z (5A) < a < b < é (C3 A9) < U+FF5E (EF) < U+1F600 (F0);
    // UTF-16 would put U+1F600 (D83D) before U+FF5E.
    assert.deepEqual(
      report.included.map(f => f.path),
      [
        'Z.bin',
        'a/x.py',
        'a/y.PY',
        'b/c.dat',
        'é.txt',
        '\uFF5E.txt',
        '\u{1F600}.txt'
      ]
    );
    // 40 + 10 + 20 + 30 + 3 + 1 + 2; out: b/x.log and top.log.
    assert.equal(report.files, 7);
    assert.equal(report.bytes, 106);
    assert.equal(report.totalBytes, 106);
    assert.equal(report.uploadBytes, 106);
    assert.deepEqual(report.excluded, {
      files: 2,
      bytes: 12,
      prunedFolders: ['A', 'b/q', 'zz']
    });
    // 106 of 200 bytes and 7 of 10 files: both at least half.
    assert.equal(report.verdict, 'near');
    assert.deepEqual(report.reasons, [
      { limit: 'bytes', level: 'near' },
      { limit: 'files', level: 'near' }
    ]);
    assert.equal(report.ignoreFile, '.amlignore');
    assert.equal(report.sdk, 'v1');
    assert.equal(report.profileReason, '');
    assert.deepEqual(report.warnings, [warning]);
    assert.deepEqual(report.failures, []);
    assert.deepEqual(report.deadLines, []);
    // Each pruned folder is excluded as a whole by its own line.
    assert.equal(report.complete, true);
    // Biggest first; equal bytes: more files first.
    assert.deepEqual(
      report.top.map(c => [c.path, c.kind, c.files, c.bytes]),
      [
        ['Z.bin', 'file', 1, 40],
        ['a', 'dir', 2, 30],
        ['b', 'dir', 1, 30],
        ['é.txt', 'file', 1, 3],
        ['\u{1F600}.txt', 'file', 1, 2],
        ['\uFF5E.txt', 'file', 1, 1]
      ]
    );
    // Extensions in lower case: .py and .PY are one type.
    assert.deepEqual(
      report.types.map(t => [t.extension, t.files, t.bytes]),
      [
        ['.bin', 1, 40],
        ['.py', 2, 30],
        ['.dat', 1, 30],
        ['.txt', 3, 6]
      ]
    );
  });

  test('complete: only when every skipped folder is excluded as a whole and the walk finished', () => {
    const complete = (
      text: string,
      more: {
        prunedFolders?: string[];
        skippedLinks?: string[];
        walkComplete?: boolean;
        sdk?: 'v1' | 'v2';
      }
    ) =>
      account({
        files: [{ path: 'a.py', size: 1 }],
        prunedFolders: more.prunedFolders ?? [],
        skippedLinks: more.skippedLinks,
        walkComplete: more.walkComplete,
        warnings: [],
        rules: RuleSet.parse(text, '.amlignore', more.sdk ?? 'v1'),
        limits: SMALL
      }).complete;
    assert.equal(complete('', {}), true);
    assert.equal(complete('', { walkComplete: false }), false);
    assert.equal(complete('data/\n', { prunedFolders: ['data'] }), true);
    // A later negation may bring a file back from data/.
    assert.equal(
      complete('data/\n!data/keep\n', { prunedFolders: ['data'] }),
      false
    );
    // A link to a folder not followed: complete only when v1's upload walk
    // never enters it (excluded by its own path, or a folder above it is).
    assert.equal(complete('lnk\n', { skippedLinks: ['lnk'] }), true);
    assert.equal(complete('up\n', { skippedLinks: ['up/lnk'] }), true);
    assert.equal(complete('other\n', { skippedLinks: ['lnk'] }), false);
    assert.equal(
      complete('lnk\n', { skippedLinks: ['lnk'], sdk: 'v2' }),
      false
    );
  });

  test('what makes the SDK fail comes first among the reasons and makes the verdict over', () => {
    const dangling: ISpecialRecord = {
      path: 'dead',
      what: 'dangling-link',
      viaLink: false,
      detail: 'nowhere'
    };
    const report = (files: Array<{ path: string; size: number }>) =>
      account({
        files,
        specials: [dangling],
        prunedFolders: [],
        warnings: [],
        rules: RuleSet.parse('', null),
        limits: SMALL
      });
    const small = report([{ path: 'a.py', size: 1 }]);
    assert.equal(small.verdict, 'over');
    assert.deepEqual(small.reasons, [{ limit: 'sdk-error', level: 'over' }]);
    assert.deepEqual(
      small.failures.map(f => [f.kind, f.path]),
      [['dangling-link', 'dead']]
    );
    const near = report([{ path: 'a.py', size: 150 }]);
    assert.deepEqual(near.reasons, [
      { limit: 'sdk-error', level: 'over' },
      { limit: 'bytes', level: 'near' }
    ]);
    assert.equal(near.ignoreFile, null);
  });

  test('a negation that azureml-core never reaches: the warning names the trimmed lines', () => {
    // Spec 3.2: `build` excludes the folder, so `!build/keep.txt` (line 2)
    // is never reached; the size check (3.1) still counts keep.txt (4 B).
    const report = account({
      files: [
        { path: 'build/keep.txt', size: 4 },
        { path: 'build/a.txt', size: 8 },
        { path: 'x.py', size: 1 }
      ],
      prunedFolders: [],
      warnings: [],
      rules: RuleSet.parse('build   \n!build/keep.txt\n', '.amlignore'),
      limits: SMALL
    });
    assert.equal(report.totalBytes, 5);
    assert.equal(report.uploadBytes, 1);
    assert.deepEqual(report.warnings, [
      {
        kind: 'walks-disagree',
        path: 'build',
        message:
          'azureml-core counts 4 bytes of `build/` toward the limit but uploads none of it: line 1 `build` excludes the folder, so line 2 `!build/keep.txt` is never reached.'
      }
    ]);
    assert.deepEqual(
      report.deadLines.map(d => [d.source, d.line, d.text]),
      [['.amlignore', 2, '!build/keep.txt']]
    );
  });
});

describe('v1 walks that disagree (spec 3.1 and 3.2)', () => {
  test('one warning per folder in UTF-8 order; dead lines by line number, each with the first folder it was seen in', () => {
    // `a`, `b` and `c` exclude their folders, so the upload walk never
    // enters them (3.2); the size check (3.1) still counts a/k, b/m and c/m,
    // brought back by lines 2 and 5 (`*/m` matches both b/m and c/m).
    const report = account({
      files: [
        { path: 'c/m', size: 4 },
        { path: 'b/m', size: 2 },
        { path: 'a/k', size: 1 }
      ],
      prunedFolders: [],
      warnings: [],
      rules: RuleSet.parse('a\n!a/k\nb\nc\n!*/m\n', '.amlignore'),
      limits: SMALL
    });
    assert.deepEqual(
      report.warnings.map(w => [w.kind, w.path]),
      [
        ['walks-disagree', 'a'],
        ['walks-disagree', 'b'],
        ['walks-disagree', 'c']
      ]
    );
    assert.deepEqual(
      report.deadLines.map(d => [d.line, d.text]),
      [
        [2, '!a/k'],
        [5, '!*/m']
      ]
    );
    // Line 5 is first seen at c/m (the files' order), inside c/.
    assert.match(report.deadLines[1].reason, /inside `c\/`, which line 4 `c`/);
  });

  test('a byte-order mark kills the first line for v1 only, also when the scan is read again as v2', async () => {
    const files = { '.amlignore': '\ufeff*.log\n', 'a.log': 10, 'b.py': 1 };
    const v1 = await scanFolder(new MemoryFileSystem(files));
    assert.deepEqual(
      reportOf(v1, SMALL).deadLines.map(d => [d.line, d.text]),
      [[1, '*.log']]
    );
    const v2 = rescope(v1, 'v2', 'test');
    const report = reportOf(v2, resolveLimits('azureml-v2'));
    assert.deepEqual(report.deadLines, []);
    assert.deepEqual(
      report.included.map(f => f.path),
      ['.amlignore', 'b.py']
    );
  });
});

describe('tallies', () => {
  const files = [
    { path: 'a/b/c.txt', size: 1 },
    { path: 'a/b/d.txt', size: 2 },
    { path: 'a/e', size: 4 },
    { path: 'ab/f', size: 8 },
    { path: 'g', size: 16 }
  ];

  test('tally, and every folder at any depth', () => {
    assert.deepEqual(tally(files), { files: 5, bytes: 31 });
    assert.deepEqual(tally([]), { files: 0, bytes: 0 });
    assert.deepEqual([...byFolder(files)].sort(), [
      ['a', { files: 3, bytes: 7 }],
      ['a/b', { files: 2, bytes: 3 }],
      ['ab', { files: 1, bytes: 8 }]
    ]);
  });

  test('the children of a folder, not of one whose name starts the same', () => {
    assert.deepEqual(childrenOf(files, 'a'), [
      { path: 'a/e', kind: 'file', files: 1, bytes: 4 },
      { path: 'a/b', kind: 'dir', files: 2, bytes: 3 }
    ]);
    assert.deepEqual(childrenOf(files, 'a/b'), [
      { path: 'a/b/d.txt', kind: 'file', files: 1, bytes: 2 },
      { path: 'a/b/c.txt', kind: 'file', files: 1, bytes: 1 }
    ]);
    assert.deepEqual(
      childrenOf(files, '').map(c => [c.path, c.kind, c.files, c.bytes]),
      [
        ['g', 'file', 1, 16],
        ['ab', 'dir', 1, 8],
        ['a', 'dir', 3, 7]
      ]
    );
  });

  test('equal bytes: more files first, whatever came first', () => {
    assert.deepEqual(
      childrenOf(
        [
          { path: 'x/1', size: 10 },
          { path: 'y/1', size: 5 },
          { path: 'y/2', size: 5 }
        ],
        ''
      ).map(c => [c.path, c.files]),
      [
        ['y', 2],
        ['x', 1]
      ]
    );
  });

  test('file types: no extension for a leading dot or none at all', () => {
    assert.deepEqual(
      byType([
        { path: '.env', size: 1 },
        { path: 'd.x/README', size: 2 },
        { path: 'a.tar.GZ', size: 4 }
      ]),
      [
        { extension: '.gz', files: 1, bytes: 4 },
        { extension: '', files: 2, bytes: 3 }
      ]
    );
  });
});
