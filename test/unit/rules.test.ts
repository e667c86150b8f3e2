import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canEscapeExactly, escapePattern } from '../../src/snapshot/escape.js';
import {
  chooseIgnoreFile,
  decodeIgnoreFile,
  IgnoreFileError,
  MAX_IGNORE_FILE_BYTES,
  RuleSet
} from '../../src/snapshot/rules.js';

const parse = (text: string) => RuleSet.parse(text, '.amlignore');

/** The paths among `paths` that `text` excludes. */
function excluded(text: string, paths: string[]): string[] {
  const rules = parse(text);
  return paths.filter(p => rules.excludes(p));
}

describe('chooseIgnoreFile', () => {
  test('.amlignore wins, whatever the order; .gitignore is never merged in', () => {
    assert.equal(
      chooseIgnoreFile(['.gitignore', 'a.py', '.amlignore']),
      '.amlignore'
    );
    assert.equal(chooseIgnoreFile(['.amlignore', '.gitignore']), '.amlignore');
    assert.equal(chooseIgnoreFile(new Set(['x', '.gitignore'])), '.gitignore');
    assert.equal(chooseIgnoreFile(['x', '.AMLIGNORE', 'gitignore']), null);
    assert.equal(chooseIgnoreFile([]), null);
  });
});

describe('RuleSet matching (pathspec gitwildmatch, last match wins per file)', () => {
  test('a negation brings a file back from an excluded folder (git would not)', () => {
    const paths = [
      'data/keep.csv',
      'data/drop.csv',
      'data/sub/keep.csv',
      'keep.csv'
    ];
    assert.deepEqual(excluded('data/\n!data/keep.csv\n', paths), [
      'data/drop.csv',
      'data/sub/keep.csv'
    ]);
    assert.deepEqual(excluded('data/\n!keep.csv\n', paths), ['data/drop.csv']);
    // Order matters: the last matching line wins.
    assert.deepEqual(
      excluded('!data/keep.csv\ndata/\n', paths),
      paths.slice(0, 3)
    );
  });

  test('a leading or middle slash anchors to the root; otherwise any level', () => {
    const paths = ['a', 'x/a', 'a/b', 'x/a/b', 'b'];
    assert.deepEqual(excluded('/a\n', paths), ['a', 'a/b']);
    assert.deepEqual(excluded('a\n', paths), ['a', 'x/a', 'a/b', 'x/a/b']);
    assert.deepEqual(excluded('a/b\n', paths), ['a/b']);
    assert.deepEqual(excluded('**/a/b\n', paths), ['a/b', 'x/a/b']);
    assert.deepEqual(excluded('/b\n', paths), ['b']);
  });

  test('** spans zero or more folders', () => {
    const paths = ['a/b', 'a/x/b', 'a/x/y/b', 'b', 'a/c', 'z/a/q/b'];
    assert.deepEqual(excluded('a/**/b\n', paths), ['a/b', 'a/x/b', 'a/x/y/b']);
    assert.deepEqual(excluded('a/**\n', paths), [
      'a/b',
      'a/x/b',
      'a/x/y/b',
      'a/c'
    ]);
    assert.deepEqual(excluded('**/b\n', paths), [
      'a/b',
      'a/x/b',
      'a/x/y/b',
      'b',
      'z/a/q/b'
    ]);
    // pathspec: `**/` is every path with a slash, `/**/` matches nothing.
    assert.deepEqual(excluded('**/\n', paths), [
      'a/b',
      'a/x/b',
      'a/x/y/b',
      'a/c',
      'z/a/q/b'
    ]);
    assert.deepEqual(excluded('/**/\n', paths), []);
    // `a/**/` (pathspec) covers files directly in `a` too.
    assert.deepEqual(excluded('a/**/\n', ['a/f', 'a/x/f', 'b/f']), [
      'a/f',
      'a/x/f'
    ]);
    assert.deepEqual(excluded('***/b\n', paths), ['a/b']);
  });

  test('a trailing slash matches only what is inside a folder, not a file of that name', () => {
    const paths = ['logs', 'logs/run.txt', 'x/logs/run.txt', 'x/logs'];
    assert.deepEqual(excluded('logs/\n', paths), [
      'logs/run.txt',
      'x/logs/run.txt'
    ]);
    assert.deepEqual(excluded('logs\n', paths), paths);
    assert.deepEqual(excluded('/logs/\n', paths), ['logs/run.txt']);
  });

  test('bracket expressions, as pathspec hands them to Python', () => {
    const paths = [
      'a.txt',
      'b.txt',
      'c.txt',
      '[ab].txt',
      '^.txt',
      'a/b',
      'a]',
      '\\]'
    ];
    assert.deepEqual(excluded('[ab].txt\n', paths), ['a.txt', 'b.txt']);
    assert.deepEqual(excluded('[!a].txt\n', paths), [
      'b.txt',
      'c.txt',
      '^.txt'
    ]);
    // pathspec 0.12 (what azureml-core installs) negates with ^ too.
    assert.deepEqual(excluded('[^a].txt\n', paths), [
      'b.txt',
      'c.txt',
      '^.txt'
    ]);
    assert.deepEqual(excluded('[a-b].txt\n', paths), ['a.txt', 'b.txt']);
    assert.deepEqual(excluded('\\[ab\\].txt\n', paths), ['[ab].txt']);
    assert.deepEqual(excluded('[]]\n', ['a]', ']', 'x']), [']']);
    // A backslash inside brackets is a member, not an escape.
    assert.deepEqual(excluded('[\\]]\n', paths), ['\\]']);
    // A negated class can match the slash between two segments.
    assert.deepEqual(excluded('a[!x]b\n', ['a/b', 'ayb', 'axb']), [
      'a/b',
      'ayb'
    ]);
    // An unterminated bracket is a literal.
    assert.deepEqual(excluded('a[\n', ['a[', 'a']), ['a[']);
  });

  test('escapes: \\#, \\!, \\*, \\? and \\ before any character', () => {
    const paths = ['#x', '!x', 'a*b', 'aXb', 'a?b', 'ab'];
    assert.deepEqual(excluded('\\#x\n', paths), ['#x']);
    assert.deepEqual(excluded('\\!x\n', paths), ['!x']);
    assert.deepEqual(excluded('#x\n', paths), []);
    assert.deepEqual(excluded('a\\*b\n', paths), ['a*b']);
    assert.deepEqual(excluded('a*b\n', paths), ['a*b', 'aXb', 'a?b', 'ab']);
    assert.deepEqual(excluded('a\\?b\n', paths), ['a?b']);
    assert.deepEqual(excluded('*\n!\\!x\n', paths), [
      '#x',
      'a*b',
      'aXb',
      'a?b',
      'ab'
    ]);
    // `!#x` negates the literal `#x`.
    assert.deepEqual(excluded('*\n!#x\n', paths), [
      '!x',
      'a*b',
      'aXb',
      'a?b',
      'ab'
    ]);
  });

  test('leading and trailing blanks are stripped, as Python str.strip() does', () => {
    const paths = ['a', ' a', 'a ', 'b'];
    assert.deepEqual(excluded('   a   \n', paths), ['a']);
    assert.deepEqual(excluded('\ta\u00a0\u3000\n', paths), ['a']);
    assert.deepEqual(excluded('  # not a pattern\n', ['# not a pattern']), []);
    const rules = parse('  /a \t\n');
    assert.equal(rules.rules[0].text, '  /a \t');
    assert.equal(rules.rules[0].pattern, '/a');
    // An escaped trailing space survives only on a last line without a line break.
    assert.deepEqual(excluded('a\\ ', paths), ['a ']);
    assert.throws(() => parse('a\\ \nb\n'), IgnoreFileError);
    assert.deepEqual(excluded('a[ ]\n', paths), ['a ']);
  });

  test('case-sensitive on every platform', () => {
    const paths = ['a.CSV', 'a.csv', 'Data/x', 'data/x'];
    assert.deepEqual(excluded('*.csv\n', paths), ['a.csv']);
    assert.deepEqual(excluded('data/\n', paths), ['data/x']);
  });

  test('lines split at \\n, \\r\\n and a lone \\r (Python text mode)', () => {
    const rules = parse('a\r\nb\rc\nd');
    assert.deepEqual(
      rules.rules.map(r => [r.line, r.pattern]),
      [
        [1, 'a'],
        [2, 'b'],
        [3, 'c'],
        [4, 'd']
      ]
    );
  });

  test('non-ASCII and astral names', () => {
    const paths = ['données.csv', 'donnees.csv', '日本.txt', '😀.png', 'x.png'];
    assert.deepEqual(excluded('donn?es.csv\n', paths), [
      'données.csv',
      'donnees.csv'
    ]);
    assert.deepEqual(excluded('?.png\n', paths), ['😀.png', 'x.png']);
    assert.deepEqual(excluded('日本.*\n', paths), ['日本.txt']);
  });

  test('invalid patterns fail like the SDK, naming the file and line', () => {
    // Each message says why, so the user can fix the line.
    for (const [bad, why] of [
      ['!', /nothing is left after "!"/],
      ['a\\', /a backslash ends a segment/],
      ['a\\/b', /a backslash ends a segment/],
      ['[z-a]', /bad character range z-a/]
    ] as const) {
      assert.throws(
        () => RuleSet.parse(`ok\n${bad}\n`, '.gitignore'),
        (e: Error) =>
          e instanceof IgnoreFileError &&
          /\.gitignore, line 2/.test(e.message) &&
          why.test(e.message),
        bad
      );
    }
    // ... and names the SDK whose pathspec refuses it.
    for (const [sdk, name] of [
      ['v1', 'azureml-core'],
      ['v2', 'azure-ai-ml']
    ] as const) {
      assert.throws(
        () => RuleSet.parse('!\n', '.amlignore', sdk),
        new RegExp(`not a valid pattern for ${name} `)
      );
    }
  });

  test('comments, blank lines and a lone / are not rules', () => {
    const rules = parse('# c\n\n   \n/\n!x\n');
    assert.equal(rules.rules.length, 1);
    assert.equal(rules.rules[0].negated, true);
  });
});

describe('RuleSet.decide', () => {
  test('names the last matching line', () => {
    const rules = parse('# data\n*.csv\ndata/\n!data/keep.csv\n');
    assert.deepEqual(rules.decide('data/keep.csv'), {
      excluded: false,
      rule: rules.rules[2]
    });
    assert.equal(rules.rules[2].line, 4);
    assert.equal(rules.rules[2].negated, true);
    assert.equal(rules.decide('data/x.csv').rule?.line, 3);
    assert.equal(rules.decide('x.csv').rule?.line, 2);
    assert.deepEqual(rules.decide('x.txt'), { excluded: false, rule: null });
  });
});

describe('RuleSet.parse / extend', () => {
  test('a null source is an empty set', () => {
    const rules = RuleSet.parse('*\n', null);
    assert.equal(rules.source, null);
    assert.equal(rules.rules.length, 0);
    assert.equal(rules.excludes('a'), false);
  });

  test('extend appends lines with their own label and numbering', () => {
    const base = RuleSet.parse('data/\n', '.gitignore');
    const more = base.extend('!data/keep.csv\nlogs/', '.amlignore');
    assert.equal(more.source, '.gitignore');
    assert.equal(base.rules.length, 1);
    assert.deepEqual(
      more.rules.map(r => [r.source, r.line]),
      [
        ['.gitignore', 1],
        ['.amlignore', 1],
        ['.amlignore', 2]
      ]
    );
    assert.equal(more.excludes('data/keep.csv'), false);
    assert.equal(more.excludes('logs/x'), true);
    assert.equal(
      RuleSet.parse('', null).extend('a', '.amlignore').source,
      '.amlignore'
    );
  });
});

describe('RuleSet.canPrune', () => {
  test('a folder whose every file is excluded can be skipped', () => {
    const rules = parse('data/\n.git\n/out/*\n');
    assert.equal(rules.canPrune('data'), true);
    assert.equal(rules.canPrune('x/data'), true);
    assert.equal(rules.canPrune('data/sub'), true);
    assert.equal(rules.canPrune('.git'), true);
    assert.equal(rules.canPrune('out'), true);
    assert.equal(rules.canPrune('x/out'), false);
    assert.equal(rules.canPrune('src'), false);
    assert.equal(rules.canPrune(''), false);
  });

  test('not when a later negation could bring a file back', () => {
    assert.equal(parse('data/\n!data/keep.csv\n').canPrune('data'), false);
    assert.equal(parse('data/\n!*.csv\n').canPrune('data'), false);
    assert.equal(parse('data/\n!/data/sub/\n').canPrune('data'), false);
    assert.equal(parse('data/\n!/data/sub/\n').canPrune('data/other'), true);
    assert.equal(parse('data/\n!/other/x\n').canPrune('data'), true);
    // An earlier negation is overridden by the later folder rule.
    assert.equal(parse('!data/keep.csv\ndata/\n').canPrune('data'), true);
    // A negation of something that cannot be below it.
    assert.equal(parse('data/\n!/src/*.py\n').canPrune('data'), true);
  });

  test('not for folder rules that only some files match', () => {
    assert.equal(parse('*.csv\n').canPrune('data'), false);
    assert.equal(parse('data/*.csv\n').canPrune('data'), false);
    assert.equal(parse('data/*\n').canPrune('data'), true);
  });
});

describe('decodeIgnoreFile', () => {
  test('strict UTF-8, with the file, offset and line in the message', () => {
    const bytes = new Uint8Array([
      0x61, 0x0a, 0x62, 0x0d, 0x0a, 0x63, 0xff, 0x0a
    ]);
    assert.throws(
      () => decodeIgnoreFile(bytes, '.amlignore'),
      (e: Error) =>
        e instanceof IgnoreFileError &&
        e.message.includes('.amlignore') &&
        e.message.includes('0xFF') &&
        e.message.includes('offset 6') &&
        e.message.includes('line 3')
    );
    // Overlong and surrogate encodings are invalid too.
    assert.throws(
      () => decodeIgnoreFile(new Uint8Array([0xc0, 0xaf]), 'x'),
      IgnoreFileError
    );
    assert.throws(
      () => decodeIgnoreFile(new Uint8Array([0xed, 0xa0, 0x80]), 'x'),
      /offset 0/
    );
    assert.throws(
      () => decodeIgnoreFile(new Uint8Array([0xe6, 0x97]), 'x'),
      /offset 0/
    );
  });

  test('decodes UTF-8 and keeps a byte-order mark, as Python does', () => {
    const text = 'données/\n日本\n😀\n';
    assert.equal(decodeIgnoreFile(new TextEncoder().encode(text), 'x'), text);
    const bom = decodeIgnoreFile(new Uint8Array([0xef, 0xbb, 0xbf, 0x61]), 'x');
    assert.equal(bom, '\ufeffa');
    assert.equal(RuleSet.parse(bom, 'x').excludes('a'), false);
  });

  test('refuses a file over the size cap', () => {
    assert.throws(
      () =>
        decodeIgnoreFile(
          new Uint8Array(MAX_IGNORE_FILE_BYTES + 1),
          '.gitignore'
        ),
      (e: Error) =>
        e instanceof IgnoreFileError &&
        e.name === 'IgnoreFileError' &&
        /\.gitignore/.test(e.message)
    );
    // Over the cap, not at it.
    const atCap = new Uint8Array(MAX_IGNORE_FILE_BYTES).fill(0x61);
    assert.equal(decodeIgnoreFile(atCap, '.gitignore').length, atCap.length);
  });
});

describe('large ignore files', () => {
  // How fast: `npm run bench`. Here: the answers, from the rules' meaning.
  test('20,000 lines: the last matching line still decides', () => {
    const lines: string[] = ['*.log', 'tmp*', '!keep.log'];
    for (let i = 0; i < 20000; i++) {
      lines.push(i % 2 ? `/data/part${i}.csv` : `*.ext${i}`);
    }
    lines.push('!/data/part1.csv');
    const rules = parse(lines.join('\n'));
    const paths: string[] = [];
    for (let i = 0; i < 20000; i++) {
      paths.push(`data/part${i}.csv`, `src/f${i}.ext${i}`, `src/f${i}.py`);
    }
    const out = paths.filter(p => rules.excludes(p));
    assert.equal(rules.excludes('data/part1.csv'), false);
    assert.equal(rules.excludes('data/part3.csv'), true);
    assert.equal(rules.excludes('src/f2.ext2'), true);
    assert.equal(rules.excludes('src/f3.ext3'), false);
    assert.equal(rules.excludes('x/keep.log'), false);
    assert.equal(out.length, 9999 + 10000);
  });
});

describe('many alternating negations', () => {
  test('the last matching line still decides', () => {
    const lines: string[] = [];
    for (let i = 0; i < 80; i++) {
      lines.push(`${i % 2 ? '!' : ''}d${i}*/`);
    }
    const rules = parse(lines.join('\n'));
    for (let i = 0; i < 80; i++) {
      assert.equal(rules.excludes(`d${i}x/f`), i % 2 === 0, `d${i}x/f`);
      assert.equal(rules.decide(`d${i}x/f`).rule?.line, i + 1);
    }
  });
});

describe('escapePattern', () => {
  test('anchors and escapes what gitwildmatch reads specially', () => {
    assert.equal(escapePattern('data/raw.csv'), '/data/raw.csv');
    assert.equal(escapePattern('data', { dir: true }), '/data/');
    assert.equal(
      escapePattern('#x/!y/[a]*?\\'),
      '/\\#x/\\!y/\\[a\\]\\*\\?\\\\'
    );
    assert.equal(escapePattern(' lead'), '/ lead');
    assert.equal(escapePattern('trail '), '/trail[ ]');
    assert.equal(escapePattern('trail ', { dir: true }), '/trail /');
    assert.equal(escapePattern('日本.txt'), '/日本.txt');
  });

  test('a line break cannot be written: ? stands for it', () => {
    assert.equal(escapePattern('a\nb'), '/a?b');
    assert.equal(canEscapeExactly('a\nb'), false);
    assert.equal(canEscapeExactly('a b/c'), true);
  });

  test('each escaped line excludes exactly its path', () => {
    const names = [
      '[ab].txt',
      'a.txt',
      'a*b',
      'ab',
      'trail ',
      'trail',
      '#x',
      '!x',
      'x'
    ];
    for (const n of names) {
      assert.deepEqual(excluded(escapePattern(n), names), [n], n);
    }
  });
});
