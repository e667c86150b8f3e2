/**
 * composeAmlignore: what `suggest --write` and the Write dialog put in
 * `.amlignore` (README: an existing `.amlignore` is kept byte for byte and
 * the lines go after it in a marked block; a new one carries over the
 * `.gitignore` it replaces). What the written file means is asked of
 * pathspec itself (the v1 reference), not of our matcher.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { composeAmlignore } from '../../src/snapshot/amlignore.js';
import { runReference } from '../conformance/reference.js';

const LINES = ['/data/', '*.ckpt', 'logs/'];
const PATHS = [
  'data/a.csv',
  'm.ckpt',
  'logs/x',
  'a.log',
  'tmp',
  'tmpfile',
  'keep.py',
  'src/keep.py'
];

/** Per path, excluded by `text` under pathspec. */
function excludedBy(texts: string[]): boolean[][] {
  const ref = runReference(texts.map(text => ({ text, paths: PATHS })));
  return ref.cases.map(c => {
    assert.equal(c.error, null);
    return c.results.map(r => r[0]);
  });
}

describe('composeAmlignore', () => {
  for (const old of ['*.log\ntmp', '*.log\ntmp\n', '']) {
    test(`an existing .amlignore ${JSON.stringify(old)} is kept byte for byte and the lines follow in a marked block`, () => {
      const t = composeAmlignore(
        { ignoreFile: '.amlignore', ignoreText: old },
        LINES
      );
      assert.equal(t.mode, 'append');
      assert.ok(t.text.startsWith(old));
      const added = t.text.slice(old.length).split('\n');
      // A break ends the old last line, then the block: marker, lines, marker.
      const block = old === '' || old.endsWith('\n') ? added : added.slice(1);
      if (block !== added) {
        assert.equal(added[0], '');
      }
      assert.match(block[0], /^# >>> jupyterlab-snapshot-guard\b/);
      assert.deepEqual(block.slice(1, 1 + LINES.length), LINES);
      assert.equal(block[1 + LINES.length], '# <<< jupyterlab-snapshot-guard');
      assert.deepEqual(block.slice(2 + LINES.length), ['']);
      // pathspec reads the old rules and the new lines, nothing else.
      const [got, want] = excludedBy([t.text, `${old}\n${LINES.join('\n')}`]);
      assert.deepEqual(got, want);
    });
  }

  for (const old of ['*.log\ntmp', '*.log\ntmp\n', '', null]) {
    test(`a new .amlignore carries over .gitignore ${JSON.stringify(old)} under a note`, () => {
      const t = composeAmlignore(
        { ignoreFile: '.gitignore', ignoreText: old },
        LINES
      );
      assert.equal(t.mode, 'create');
      const lines = t.text.split('\n');
      // The note: comment lines (pathspec skips them) naming both files.
      const note = lines.slice(
        0,
        lines.findIndex(l => !l.startsWith('#'))
      );
      assert.ok(note.length >= 1);
      assert.match(note.join(' '), /\.amlignore.*\.gitignore/);
      const rest = t.text.slice(note.join('\n').length + 1);
      const carried = old ?? '';
      assert.ok(rest.startsWith(carried), rest);
      assert.match(
        rest.slice(carried.length),
        new RegExp(
          `^${carried === '' || carried.endsWith('\n') ? '' : '\\n'}\\n# >>> jupyterlab-snapshot-guard[^\\n]*\\n${LINES.join('\\n').replace(/[.*/]/g, '\\$&')}\\n# <<< jupyterlab-snapshot-guard\\n$`
        )
      );
      const [got, want] = excludedBy([
        t.text,
        `${carried}\n${LINES.join('\n')}`
      ]);
      assert.deepEqual(got, want);
    });
  }

  test('without an ignore file the block is the whole file', () => {
    const t = composeAmlignore({ ignoreFile: null, ignoreText: null }, LINES);
    assert.equal(t.mode, 'create');
    assert.equal(
      t.text.replace(/^# >>> jupyterlab-snapshot-guard[^\n]*\n/, ''),
      `${LINES.join('\n')}\n# <<< jupyterlab-snapshot-guard\n`
    );
    const [got, want] = excludedBy([t.text, LINES.join('\n')]);
    assert.deepEqual(got, want);
  });
});
