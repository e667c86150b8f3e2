/**
 * The spec's table of cases where the SDKs differ (snapshot-rules.md 3.4),
 * through the engine's report: which files each SDK uploads is the table's;
 * what v1's size check counts (3.1, every file matched on its own), which
 * folder its upload walk never enters (3.2, the outermost excluded folder)
 * and which line decides each path are pathspec's (the v1 reference). "Tell
 * the user when that happens": a warning per such folder, and the negations
 * that can never act there listed as dead lines.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolveLimits } from '../../src/snapshot/limits.js';
import { reportOf, scanFolder } from '../../src/snapshot/scan.js';
import { MemoryFileSystem } from '../helpers/memory-fs.js';
import {
  isPathspec012,
  referenceVersion,
  runReference
} from '../conformance/reference.js';

const TABLE: Array<{
  lines: string[];
  files: string[];
  v1: string[];
  v2: string[];
}> = [
  {
    lines: ['build', '!build/keep.txt'],
    files: ['build/keep.txt', 'build/a.txt'],
    v1: [],
    v2: ['build/keep.txt']
  },
  {
    lines: ['*', '!*.py'],
    files: ['a.py', 'src/b.py', 'src/c.txt'],
    v1: ['a.py'],
    v2: ['a.py', 'src/b.py']
  },
  {
    lines: ['*', '!*/', '!*.py'],
    files: ['a.py', 'a.txt', 'src/b.py', 'src/c.txt'],
    v1: ['a.py'],
    v2: ['a.py', 'src/b.py', 'src/c.txt']
  },
  {
    lines: ['src/*', '!src/lib/'],
    files: ['src/x.py', 'src/lib/y.py'],
    v1: [],
    v2: ['src/lib/y.py']
  },
  {
    lines: ['data/', '!data/keep/'],
    files: ['data/x', 'data/keep/y'],
    v1: [],
    v2: ['data/keep/y']
  },
  {
    lines: ['**/cache', '!**/cache/keep'],
    files: ['a/cache/keep', 'a/cache/x', 'cache/x'],
    v1: [],
    v2: ['a/cache/keep']
  },
  {
    lines: ['log[^0-9].txt'],
    files: ['logA.txt', 'log1.txt', 'log^.txt'],
    v1: ['log1.txt'],
    v2: ['logA.txt']
  },
  {
    lines: ['build/', '!build/keep.txt'],
    files: ['build/keep.txt', 'build/a.txt'],
    v1: ['build/keep.txt'],
    v2: ['build/keep.txt']
  }
];

const ancestors = (p: string) =>
  p
    .split('/')
    .slice(0, -1)
    .map((_, i, parts) => parts.slice(0, i + 1).join('/'));

describe("the spec's table 3.4 through the report", () => {
  TABLE.forEach((row, k) => {
    test(`${row.lines.join(' ')}`, async () => {
      const text = `${row.lines.join('\n')}\n`;
      const files: Record<string, number | string> = { '.amlignore': text };
      row.files.forEach((f, i) => (files[f] = 1000 * (i + 1) + k));
      const size = (p: string) =>
        p === '.amlignore' ? text.length : (files[p] as number);
      const all = Object.keys(files);
      const dirs = [...new Set(all.flatMap(ancestors))];
      const [ref] = runReference([{ text, paths: [...all, ...dirs] }]).cases;
      const decided = new Map(
        [...all, ...dirs].map((p, i) => [p, ref.results[i]])
      );
      const amlignoreKept = !decided.get('.amlignore')![0];
      for (const sdk of ['v1', 'v2'] as const) {
        const scan = await scanFolder(new MemoryFileSystem(files), {
          sdk,
          prune: false
        });
        const report = reportOf(
          scan,
          resolveLimits(sdk === 'v1' ? 'azureml-v1' : 'azureml-v2')
        );
        const uploaded = [
          ...row[sdk],
          ...(amlignoreKept ? ['.amlignore'] : [])
        ].sort();
        assert.deepEqual(
          report.included.map(f => f.path).sort(),
          uploaded,
          `${sdk} upload list`
        );
        assert.equal(report.files, uploaded.length);
        const sum = (ps: string[]) => ps.reduce((s, p) => s + size(p), 0);
        assert.equal(
          report.uploadBytes,
          sum(uploaded),
          `${sdk} uploaded bytes`
        );
        if (sdk === 'v2') {
          assert.equal(report.totalBytes, report.uploadBytes);
          assert.deepEqual(report.deadLines, []);
          assert.deepEqual(
            report.warnings.filter(w => w.kind === 'walks-disagree'),
            []
          );
          continue;
        }
        // 3.1: every file on its own, last match wins. Debian's pathspec
        // before 0.12 reads `[^...]` as v2 does; that row has only files at
        // the root, where both v1 walks agree with the table.
        const counted =
          text.includes('[^') && !isPathspec012(referenceVersion())
            ? uploaded
            : all.filter(p => !decided.get(p)![0]);
        assert.equal(report.totalBytes, sum(counted), 'v1 size check');
        assert.equal(report.bytes, report.totalBytes);
        // Counted but never uploaded: below the outermost excluded folder.
        const hidden = counted.filter(p => !uploaded.includes(p));
        const folderOf = (p: string) =>
          ancestors(p).find(d => decided.get(d)![0])!;
        const folders = [...new Set(hidden.map(folderOf))].sort();
        const warnings = report.warnings.filter(
          w => w.kind === 'walks-disagree'
        );
        assert.deepEqual(
          warnings.map(w => w.path),
          folders
        );
        const lineOf = (p: string) => decided.get(p)![1];
        const ref_ = (n: number) => `line ${n} \`${row.lines[n - 1]}\``;
        for (const w of warnings) {
          const inside = hidden.filter(p => folderOf(p) === w.path);
          assert.match(w.message, new RegExp(`\`${w.path}/\``));
          assert.ok(
            w.message.includes(`${ref_(lineOf(w.path))} excludes the folder`),
            w.message
          );
          const negs = [...new Set(inside.map(lineOf))].sort((a, b) => a - b);
          assert.ok(
            w.message.includes(
              `${negs.map(ref_).join(' and ')} ${negs.length === 1 ? 'is' : 'are'} never reached`
            ),
            w.message
          );
        }
        // Dead: negations that decide some hidden file and no uploaded one.
        const dead = [...new Set(hidden.map(lineOf))]
          .filter(n => !uploaded.some(p => lineOf(p) === n))
          .sort((a, b) => a - b);
        assert.deepEqual(
          report.deadLines.map(d => [d.line, d.text, d.source]),
          dead.map(n => [n, row.lines[n - 1], '.amlignore'])
        );
        for (const d of report.deadLines) {
          const folder = folderOf(hidden.find(p => lineOf(p) === d.line)!);
          assert.ok(
            d.reason.includes(
              `\`${folder}/\`, which ${ref_(lineOf(folder))} excludes`
            ),
            d.reason
          );
        }
      }
    });
  });
});

describe('a byte-order mark before the first line (spec section 2)', () => {
  for (const first of ['*.log', '#not a comment']) {
    test(`v1 reads it into ${JSON.stringify(first)}, which is then dead; v2 drops it`, async () => {
      const text = `\ufeff${first}\nbuild/\n`;
      const files = {
        '.amlignore': text,
        'a.log': 10,
        '#not a comment': 20,
        'build/x': 30
      };
      const paths = Object.keys(files);
      const [ref] = runReference([{ text, paths }]).cases;
      for (const sdk of ['v1', 'v2'] as const) {
        const scan = await scanFolder(new MemoryFileSystem(files), {
          sdk,
          prune: false
        });
        const report = reportOf(
          scan,
          resolveLimits(sdk === 'v1' ? 'azureml-v1' : 'azureml-v2')
        );
        const uploaded = report.included.map(f => f.path);
        if (sdk === 'v1') {
          // pathspec, fed the raw first line, matches nothing with it.
          assert.deepEqual(
            uploaded.sort(),
            paths.filter((_, i) => !ref.results[i][0]).sort()
          );
          assert.ok(
            uploaded.includes('a.log') && uploaded.includes('#not a comment')
          );
          assert.deepEqual(
            report.deadLines.map(d => [d.source, d.line, d.text]),
            [['.amlignore', 1, first]]
          );
          assert.match(report.deadLines[0].reason, /byte-order mark/);
        } else {
          // Without the mark, `*.log` excludes a.log and `#...` is a comment.
          assert.equal(uploaded.includes('a.log'), first !== '*.log');
          assert.ok(uploaded.includes('#not a comment'));
          assert.deepEqual(report.deadLines, []);
        }
      }
    });
  }
});
