/**
 * Pruning finds the folders it may skip (scan option `prune`: "skip folders
 * whose every file is excluded"), not only never skipping a kept file (the
 * conformance tests' check). Each expected answer is reasoned from the
 * spec's matching rules (section 3: a pattern matching a folder matches all
 * below it, `*` stays within a segment, the last matching line decides);
 * every folder said skippable is then checked with pathspec, the reference,
 * on paths below it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RuleSet } from '../../src/snapshot/rules.js';
import { runReference } from '../conformance/reference.js';

/** [ignore file, folder, may it be skipped?] */
const CASES: Array<[string, string, boolean]> = [
  // A folder line, anchored or not; a plain name; a nested path.
  ['data/', 'data', true],
  ['data/', 'x/data', true],
  ['data/', 'data/sub', true],
  ['data/', 'database', false],
  ['/data/', 'x/data', false],
  ['/a/', 'a/b/c', true],
  ['a/b', 'a/b/c', true],
  ['a/b', 'a', false],
  // Wildcards within a segment, at the root or at any depth.
  ['*.tmp', 'x.tmp', true],
  ['*.tmp', 'y/x.tmp', true],
  ['*.tmp', 'x.tmpl', false],
  ['a/b*', 'a/bx/c', true],
  ['a/b*', 'a/c', false],
  // A bracket at a segment's end cannot stand for the `/` after it.
  ['d[!x]/', 'x/dy', true],
  // Inside one, it can: pathspec's `a[^x]b` matches the folder `a/b`.
  ['a[!x]b/', 'a/b', true],
  // Everything below a folder.
  ['a/**', 'a', true],
  ['a/**', 'a/b', true],
  ['a/**/b/', 'a/x/b', true],
  ['a/**/b/', 'a/x/c', false],
  // A wildcard folder line: a whole segment at any depth, not a name's tail.
  ['d*a/', 'x/dba', true],
  ['d*a/', 'xdba', false],
  ['**', 'x', true],
  ['*', 'x/y', true],
  // A negation only stops folders it could reach into.
  ['data/\n!data/keep', 'data', false],
  ['data/\n!data/keep', 'data/other', true],
  ['data/\n!data/*.csv', 'data/sub', true],
  ['data/\n!data/*.csv', 'data/sub.csv', false],
  ['data/\n!data/x*', 'data', false],
  ['data/\n!data/x*', 'data/y', true],
  ['data/\n!data/x*', 'data/xy', false],
  ['a/\n!a/b/c', 'a/b', false],
  ['a/\n!a/b/c', 'a/d', true],
  ['data/\n!*.csv', 'data', false],
  // A negation with an empty segment matches nothing; a later exclusion
  // inside the folder brings nothing back.
  ['data/\n!**/a//b', 'data', true],
  ['data/\n/data/x', 'data', true],
  // The last line decides: a later folder line wins over a negation.
  ['a/\n!a/b\na/b/', 'a/b', true],
  ['!x\nx/', 'x', true],
  // ... and an earlier line that also covers the folder does not undo it.
  ['*\n!data/keep\ndata/', 'data', true],
  // pathspec's `.` stops at a newline, so `(?:.+/)?` cannot reach past
  // `x\ny/`: pathspec keeps `x\ny/data/f`.
  ['data/', 'x\ny/data', false],
  ['', 'x', false],
  // Found by mutation testing: a bracket's class is not a folder's prefix
  // (`[A-Z]*` never covers `data`); an anchored negation with a glob tail
  // reaches into the folder it names (`!/logs*` keeps `logs/a.txt`).
  ['[A-Z]*', 'data', false],
  ['[A-Z]*', 'Data', true],
  ['logs/\n!/logs*', 'logs', false]
];

test('canPrune: the folders whose every file is excluded are found', () => {
  for (const [text, dir, expected] of CASES) {
    assert.equal(
      RuleSet.parse(text, '.amlignore').canPrune(dir),
      expected,
      `${JSON.stringify(text)}: ${dir}`
    );
  }
});

test('canPrune: pathspec excludes what lies below each folder found', () => {
  const below = (dir: string) => [
    `${dir}/f`,
    `${dir}/keep`,
    `${dir}/x.csv`,
    `${dir}/b/c`,
    `${dir}/sub/deep/x.py`
  ];
  const found = CASES.filter(c => c[2]);
  const ref = runReference(
    found.map(([text, dir]) => ({ text, paths: below(dir) }))
  );
  found.forEach(([text, dir], k) => {
    below(dir).forEach((p, i) => {
      assert.equal(
        ref.cases[k].results[i][0],
        true,
        `${JSON.stringify(text)}: pathspec keeps ${p}`
      );
    });
  });
});
