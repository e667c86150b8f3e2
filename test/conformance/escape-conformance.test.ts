/**
 * Each line escapePattern writes must match exactly the path it names, under
 * the SDK's pathspec, among siblings chosen to be caught by a sloppy escape.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canEscapeExactly, escapePattern } from '../../src/snapshot/escape.js';
import { RuleSet } from '../../src/snapshot/rules.js';
import { runReference } from './reference.js';

const NAMES = [
  '<img src=x onerror=alert(1)>.csv',
  '"quoted"',
  "it's",
  '`tick`',
  '#x',
  'x',
  '!x',
  '!',
  '#',
  '[ab].txt',
  'a.txt',
  'b.txt',
  '[ab]',
  'a',
  'b',
  '[',
  ']',
  'a]',
  '[!a]',
  'a*b',
  'aXb',
  'ab',
  'a?b',
  'acb',
  'back\\slash',
  'backslash',
  'back\\\\slash',
  '\\',
  'trailing\\',
  ' lead',
  'lead',
  '  lead',
  'trail ',
  'trail',
  'trail  ',
  'trail\t',
  'trail\u00a0',
  'trail\u3000',
  'a b',
  'données.csv',
  'donnees.csv',
  'données',
  '日本.txt',
  '日本',
  '😀.png',
  '*',
  '**',
  '***',
  '?',
  '.hidden',
  '.',
  '..x',
  'x/',
  '-',
  '^a',
  '$x',
  '{a,b}',
  '(x)',
  'a|b',
  'a+b',
  '\ufeffbom'
].filter(n => n !== '.' && n !== 'x/');

const DIRS = [
  'd',
  'd one',
  '#d',
  '!d',
  '[d]',
  ' sp',
  'sp ',
  'd*',
  '**',
  'données'
];

/** Names put in every folder too (all of them everywhere makes pathspec slow). */
const INNER = [
  '<img src=x onerror=alert(1)>.csv',
  '#x',
  'x',
  '!x',
  '[ab].txt',
  'a.txt',
  'a*b',
  'aXb',
  'a?b',
  'back\\slash',
  ' lead',
  'trail ',
  'trail',
  'données.csv',
  '日本.txt',
  '*',
  '**'
];

/** Every name at the root, and the INNER ones inside every folder. */
function tree(): { files: string[]; dirs: string[] } {
  const files = [...NAMES];
  const dirs = [...DIRS, 'd/sub', 'd/sub ', '[d]/[ab]'];
  for (const d of dirs) {
    for (const n of INNER) {
      files.push(`${d}/${n}`);
    }
  }
  // A folder and a file cannot share a path.
  const folders = new Set(
    dirs.flatMap(d =>
      d.split('/').map((_, i, a) => a.slice(0, i + 1).join('/'))
    )
  );
  return { files: files.filter(f => !folders.has(f)), dirs };
}

test('escapePattern lines match exactly their path under pathspec', () => {
  const { files, dirs } = tree();
  const targets: Array<{
    path: string;
    dir: boolean;
    line: string;
    want: Set<string>;
  }> = [];
  for (const f of files) {
    targets.push({
      path: f,
      dir: false,
      line: escapePattern(f),
      want: new Set([f])
    });
  }
  for (const d of dirs) {
    targets.push({
      path: d,
      dir: true,
      line: escapePattern(d, { dir: true }),
      want: new Set(files.filter(f => f.startsWith(`${d}/`)))
    });
  }
  const { cases, version } = runReference(
    targets.map(t => ({ text: `${t.line}\n`, paths: files }))
  );
  const problems: string[] = [];
  targets.forEach((t, k) => {
    assert.ok(canEscapeExactly(t.path), t.path);
    assert.ok(t.line.startsWith('/'), t.line);
    const ref = cases[k];
    if (ref.error !== null) {
      problems.push(
        `${JSON.stringify(t.line)}: pathspec rejects it (${ref.error})`
      );
      return;
    }
    const rules = RuleSet.parse(t.line, '.amlignore');
    files.forEach((f, i) => {
      const want = t.want.has(f);
      if (ref.results[i][0] !== want) {
        problems.push(
          `${JSON.stringify(t.line)} for ${JSON.stringify(t.path)}: pathspec ${want ? 'misses' : 'also matches'} ${JSON.stringify(f)}`
        );
      }
      if (rules.excludes(f) !== want) {
        problems.push(
          `${JSON.stringify(t.line)}: RuleSet disagrees on ${JSON.stringify(f)}`
        );
      }
    });
  });
  if (problems.length > 0) {
    assert.fail(`pathspec ${version}:\n${problems.slice(0, 40).join('\n')}`);
  }
});

test('a name with a line break cannot be escaped exactly; its line still matches it', () => {
  const files = ['a\nb', 'a\rb', 'axb', 'a/b', 'ab', 'line\n'];
  const lines = ['a\nb', 'a\rb', 'line\n'].map(p => {
    assert.equal(canEscapeExactly(p), false);
    const line = escapePattern(p);
    assert.ok(!/[\r\n]/.test(line), JSON.stringify(line));
    return { p, line };
  });
  const { cases } = runReference(
    lines.map(l => ({ text: `${l.line}\n`, paths: files }))
  );
  lines.forEach((l, k) => {
    const i = files.indexOf(l.p);
    assert.equal(
      cases[k].results[i][0],
      true,
      `${JSON.stringify(l.line)} misses ${JSON.stringify(l.p)}`
    );
    assert.equal(RuleSet.parse(l.line, '.amlignore').excludes(l.p), true);
  });
});
