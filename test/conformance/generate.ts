/**
 * Random file trees and ignore files for the conformance tests, from a
 * seeded PRNG so that a failure can be replayed.
 */
import { prng, type IRefCase } from './reference.js';

const NAMES = [
  'a',
  'b',
  'ab',
  'data',
  'keep.csv',
  'x.csv',
  'x.py',
  'b.log',
  'sub',
  'deep',
  '.hidden',
  '.git',
  'a b',
  ' lead',
  'trail ',
  '#x',
  '!x',
  '[ab].txt',
  'a*b',
  'a?b',
  'back\\slash',
  'données.csv',
  '日本.txt',
  '😀.png',
  'é',
  'q]',
  'x-y',
  '^up',
  '...',
  'a.b.c',
  '<img src=x onerror=alert(1)>.csv',
  '"q"',
  "it's"
];
/** Characters for random names and class members ('/' never: it splits). */
const CHARS = [
  'a',
  'b',
  'c',
  'A',
  '.',
  '-',
  '_',
  ' ',
  '#',
  '!',
  '[',
  ']',
  '*',
  '?',
  '\\',
  '^',
  '+',
  '0',
  'é',
  '日',
  '😀',
  '\t'
];
const BLANKS = [' ', '\t', '\u00a0', '\u3000', '\v', '\f', '\u001c', '\u2028'];

export interface IGen {
  cases: IRefCase[];
  /** Folders of each case, for canPrune. */
  dirs: string[][];
}

export function generate(
  seed: number,
  count: number,
  /** The reference is pathspec 0.12 (the SDK's): also use what 0.11 reads differently. */
  pathspec012 = false
): IGen {
  const rnd = prng(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const chance = (p: number) => rnd() < p;

  const randomName = (): string => {
    if (chance(0.7)) {
      return pick(NAMES);
    }
    let s = '';
    const n = 1 + int(4);
    for (let i = 0; i < n; i++) {
      s += pick(CHARS);
    }
    // A name with a line break is legal on Linux; pathspec treats it oddly.
    if (chance(0.03)) {
      s += chance(0.5) ? `\n${pick(CHARS)}` : '\n';
    }
    return s === '.' || s === '..' ? 'dot' : s;
  };

  const randomTree = (): { paths: string[]; dirs: string[] } => {
    const dirs = new Set<string>();
    const files = new Set<string>();
    const folders: string[] = [''];
    const n = 15 + int(25);
    for (let i = 0; i < n; i++) {
      const parent = pick(folders);
      const name = randomName();
      const path = parent ? `${parent}/${name}` : name;
      if (dirs.has(path) || files.has(path)) {
        continue;
      }
      if (chance(0.35) && parent.split('/').length < 4) {
        dirs.add(path);
        folders.push(path);
      } else {
        files.add(path);
      }
    }
    // Every folder gets files (the probes canPrune is judged on).
    for (const d of dirs) {
      for (let k = 0; k < 2; k++) {
        const p = `${d}/${randomName()}`;
        if (!dirs.has(p)) {
          files.add(p);
        }
      }
    }
    return { paths: [...files], dirs: [...dirs] };
  };

  const randomClass = (): string => {
    let s = '[';
    if (chance(0.35)) {
      s += '!';
    } else if (chance(0.1)) {
      s += ']';
    }
    const n = 1 + int(3);
    for (let i = 0; i < n; i++) {
      if (chance(0.25)) {
        s += pick([
          'a-c',
          '+-0',
          '0-9',
          'a-z',
          'A-a',
          '\\-a',
          chance(0.1) ? 'c-a' : 'b-b'
        ]);
      } else {
        let c = pick(CHARS);
        while (c === ']' || (i === 0 && c === '^' && !pathspec012)) {
          c = pick(CHARS);
        }
        s += c;
      }
    }
    if (chance(0.1)) {
      s += '-';
    }
    return chance(0.05) ? s : `${s}]`;
  };

  /** A name's characters, some turned into globs or escaped. */
  const globify = (base: string, rate: number): string => {
    let out = '';
    for (const ch of base.replace(/\n/g, '?')) {
      const q = rnd() / rate;
      if (q < 0.08) {
        out += '*';
      } else if (q < 0.13) {
        out += '?';
      } else if (q < 0.17) {
        out += randomClass();
      } else if (q < 0.2) {
        out += `\\${ch}`;
      } else if (
        (ch === '^' && !pathspec012) ||
        ('\\[*?'.includes(ch) && chance(0.6))
      ) {
        // `[^` is where pathspec 0.11 (Debian) and 0.12 (the SDK's) differ.
        out += `\\${ch}`;
      } else {
        out += ch;
      }
    }
    return out;
  };

  /** A segment made from a name, with some characters turned into globs. */
  const randomSegment = (tree: string[]): string => {
    const r = rnd();
    if (r < 0.1) {
      return '**';
    }
    if (r < 0.18) {
      return '*';
    }
    let out = globify(
      chance(0.6) ? pick(pick(tree).split('/')) : randomName(),
      1
    );
    if (chance(0.05)) {
      out += '**';
    }
    if (chance(0.005)) {
      out += '\\'; // invalid: pathspec raises
    }
    return out;
  };

  /** Escaped the way a careful user (or the advisor) writes a literal name. */
  const literal = (name: string): string =>
    name
      .replace(/\n/g, '?')
      .replace(pathspec012 ? /[\\[\]*?]/g : /[\\[\]*?^]/g, c => `\\${c}`);

  /** A line built from a real path of the tree: what ignore files mostly hold. */
  const pathLine = (tree: string[]): string => {
    const comps = pick(tree).split('/');
    const segs = comps
      .slice(0, 1 + int(comps.length))
      .map(c => (chance(0.75) ? literal(c) : globify(c, 0.5)));
    // A bracket expression standing for the slash: pathspec lets it match one.
    if (segs.length >= 2 && chance(0.2)) {
      const at = int(segs.length - 1);
      const glue = pick(['[!x]', '[+-0]', '[!a-c]', '[-/]', '[!]]']);
      segs.splice(at, 2, segs[at] + glue + segs[at + 1]);
    }
    if (segs.length >= 2 && chance(0.1)) {
      segs.splice(1 + int(segs.length - 1), 0, '**');
    }
    let line = segs.join('/');
    const lead = rnd();
    if (lead < 0.45) {
      line = `/${line}`;
    } else if (lead < 0.55) {
      line = `**/${line}`;
    } else if ('#!'.includes(line[0]) && chance(0.7)) {
      line = `\\${line}`;
    }
    if (chance(0.3)) {
      line += pick(['/', '/', '/**', '/*']);
    }
    return line;
  };

  const randomLine = (tree: string[]): string => {
    const r = rnd();
    if (r < 0.05) {
      return '';
    }
    if (r < 0.1) {
      return `# ${randomName()}`;
    }
    if (r < 0.12) {
      return pick([
        '/',
        '!',
        '**/',
        '/**/',
        '**',
        '*',
        '!/',
        '\\#x',
        '\\!x',
        '!!x',
        '!#x'
      ]);
    }
    let line = '';
    if (r < 0.5) {
      line = pathLine(tree);
    } else {
      const n = 1 + int(3);
      for (let i = 0; i < n; i++) {
        line += (i > 0 ? '/' : '') + randomSegment(tree);
      }
      if (chance(0.25)) {
        line = `/${line}`;
      }
      if (chance(0.25)) {
        line += '/';
      }
    }
    if (chance(0.3)) {
      line = `!${line}`;
    }
    if (chance(0.15)) {
      line = pick(BLANKS) + line;
    }
    if (chance(0.15)) {
      line += pick(BLANKS);
    }
    if (chance(0.005)) {
      line += '\\ '; // invalid unless it ends the file
    }
    return line;
  };

  const cases: IRefCase[] = [];
  const dirs: string[][] = [];
  for (let c = 0; c < count; c++) {
    const tree = randomTree();
    const lines: string[] = [];
    // Now and then a long file, with many runs of same-sign rules.
    const n = chance(0.02) ? 60 + int(60) : 1 + int(8);
    for (let i = 0; i < n; i++) {
      lines.push(randomLine(tree.paths));
    }
    let text = '';
    lines.forEach((l, i) => {
      text += l;
      if (i < lines.length - 1) {
        text += pick(['\n', '\n', '\n', '\r\n', '\r']);
      }
    });
    // The final break is optional, except after `\ ` (pathspec 0.11 and 0.12 differ there).
    if (chance(0.7) || (text.endsWith('\\ ') && !pathspec012)) {
      text += '\n';
    }
    cases.push({ text, paths: tree.paths });
    dirs.push(tree.dirs);
  }
  return { cases, dirs };
}
