/**
 * Seeded random folders on disk for the SDK conformance suites: trees of
 * folders and files, links to folders, and ignore files aimed at what the
 * two SDKs read differently (folder patterns with and without a slash and
 * negations inside them, whitelist idioms, `**`, anchored patterns).
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prng } from './reference.js';

const DIR_NAMES = [
  'build',
  'src',
  'data',
  'keep',
  'cache',
  'lib',
  'logs',
  'a',
  'b',
  'sub',
  'deep',
  '.git',
  '__pycache__',
  'out',
  'd b',
  '[x]'
];
const FILE_NAMES = [
  'train.py',
  'x.py',
  'a.txt',
  'keep.txt',
  'b.txt',
  'y.csv',
  'keep.csv',
  'model.bin',
  '.hidden',
  'README.md',
  'out.log',
  'a',
  'keep',
  'build',
  'cache',
  'x y.txt',
  '!x',
  '#x'
];

export interface IGenFolder {
  /** Absolute path of the folder. */
  root: string;
  /** The ignore file's name and text, for replay messages. */
  ignore: { name: string; text: string } | null;
  /** Every folder of the tree (relative), for the generator's own use. */
  dirs: string[];
}

/**
 * The folders links point at, outside every generated folder: links that
 * leave the folder are uploaded by both SDKs.
 */
export function makeOutside(base: string): { dirs: string[]; files: string[] } {
  const root = join(base, 'outside');
  const dirs = ['od1', 'od2', 'od2/inner', 'od3'];
  const files = [
    'od1/x.py',
    'od1/keep.txt',
    'od2/a.txt',
    'od2/inner/deep.csv',
    'od3/build',
    'f1.bin',
    'f2.txt',
    'f3.py',
    'f4.csv'
  ];
  for (const d of dirs) {
    mkdirSync(join(root, d), { recursive: true });
  }
  files.forEach((f, i) =>
    writeFileSync(join(root, f), Buffer.alloc(97 * (i + 1)))
  );
  return {
    dirs: ['od1', 'od2', 'od3'].map(d => join(root, d)),
    files: files.filter(f => f.startsWith('f')).map(f => join(root, f))
  };
}

export function generateFolders(
  base: string,
  seed: number,
  count: number,
  outside: { dirs: string[]; files: string[] }
): IGenFolder[] {
  const rnd = prng(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const chance = (p: number) => rnd() < p;
  const out: IGenFolder[] = [];

  for (let c = 0; c < count; c++) {
    const root = join(base, `f${c}`);
    mkdirSync(root, { recursive: true });
    const dirs: string[] = [];
    const files: string[] = [];

    const fill = (rel: string, depth: number) => {
      const n = depth === 0 ? 4 + int(5) : 1 + int(5);
      for (let i = 0; i < n; i++) {
        const asDir = depth < 3 && chance(depth === 0 ? 0.55 : 0.35);
        const name = asDir ? pick(DIR_NAMES) : pick(FILE_NAMES);
        const path = rel ? `${rel}/${name}` : name;
        if (dirs.includes(path) || files.includes(path)) {
          continue;
        }
        if (asDir) {
          mkdirSync(join(root, path));
          dirs.push(path);
          fill(path, depth + 1);
        } else {
          writeFileSync(join(root, path), Buffer.alloc(int(3000)));
          files.push(path);
        }
      }
    };
    fill('', 0);
    // The whitelist idiom needs its names to be there now and then.
    if (chance(0.3) && !dirs.includes('src') && !files.includes('src')) {
      mkdirSync(join(root, 'src/lib'), { recursive: true });
      dirs.push('src', 'src/lib');
      for (const f of ['src/b.py', 'src/c.txt', 'src/lib/y.py']) {
        writeFileSync(join(root, f), Buffer.alloc(1 + int(2000)));
        files.push(f);
      }
    }
    if (
      chance(0.3) &&
      !files.includes('train.py') &&
      !dirs.includes('train.py')
    ) {
      writeFileSync(join(root, 'train.py'), Buffer.alloc(1 + int(500)));
      files.push('train.py');
    }

    // Links: to folders and files outside (absolute, each file target once
    // per folder: azure-ai-ml merges links to one target in one folder),
    // and now and then a root link to a top-level folder of the tree.
    const linkable = ['', ...dirs];
    const used = new Set<string>();
    const addLink = (target: string, names: readonly string[]) => {
      const parent = pick(linkable);
      const name = pick(names);
      const path = parent ? `${parent}/${name}` : name;
      if (dirs.includes(path) || files.includes(path) || used.has(path)) {
        return;
      }
      symlinkSync(target, join(root, path));
      used.add(path);
    };
    if (chance(0.35)) {
      addLink(pick(outside.dirs), ['linked', 'data', 'ext', 'build']);
    }
    if (chance(0.15)) {
      addLink(pick(outside.dirs), ['more', 'cache']);
    }
    if (chance(0.3)) {
      const targets = [...outside.files];
      for (let k = 1 + int(2); k > 0 && targets.length; k--) {
        const t = targets.splice(int(targets.length), 1)[0];
        addLink(t, ['ln.bin', 'ln.txt', 'shared.py', 'keep.txt']);
      }
    }
    const topDirs = dirs.filter(d => !d.includes('/'));
    if (chance(0.15) && topDirs.length > 0) {
      const target = pick(topDirs);
      // Only a folder without links inside, so no walk can loop.
      if (
        ![...used].some(p => p.startsWith(`${target}/`)) &&
        !used.has('alias')
      ) {
        symlinkSync(target, join(root, 'alias'));
        used.add('alias');
      }
    }

    const ignore = chance(0.06) ? null : ignoreFile(root, dirs, files, rnd);
    out.push({ root, ignore, dirs });
  }
  return out;
}

/** An ignore file made of lines aimed at the tree's own folders and files. */
function ignoreFile(
  root: string,
  dirs: string[],
  files: string[],
  rnd: () => number
): { name: string; text: string } {
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const chance = (p: number) => rnd() < p;
  const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);
  // Pattern text for a name: escape what gitwildmatch reads as syntax.
  const lit = (p: string) =>
    p
      .replace(/[\\[\]*?]/g, ch => `\\${ch}`)
      .replace(/^([!#])/, '\\$1')
      .replace(/ $/, '\\ ');
  const dir = () => (dirs.length ? pick(dirs) : 'build');
  const file = () => (files.length ? pick(files) : 'a.txt');

  const line = (): string => {
    const d = lit(dir());
    const f = lit(file());
    const templates: Array<() => string> = [
      () => d,
      () => `${d}/`,
      () => `/${d}`,
      () => `/${d}/`,
      () => `${d}/*`,
      () => `${d}/**`,
      () => `**/${lit(base(dir()))}`,
      () => `**/${lit(base(dir()))}/`,
      () => lit(base(dir())),
      () => `${lit(base(dir()))}/`,
      () => `!${f}`,
      () => `!${d}/`,
      () => `!${d}/**`,
      () => `!${d}`,
      () => `!${d}/${lit(base(file()))}`,
      () => `${d}/**/${pick(['*.txt', '*.py', 'keep*', '*'])}`,
      () => `!**/${pick(['keep*', '*.py', 'keep.txt'])}`,
      () => pick(['*', '*/', '!*/', '**', '**/', '/*', '*.py', '!*.py']),
      () => pick(['*.txt', '!*.txt', '**/*.csv', '*.bin', '!keep*', 'k??p*']),
      () =>
        pick(['a/**/b', '**/cache', '!**/cache/keep', 'src/*', '!src/lib/']),
      () => f,
      () => `/${f}`,
      () => lit(base(file())),
      () => pick(['', '# a comment', '.git', 'linked', '!linked/', 'alias'])
    ];
    let l = pick(templates)();
    if (chance(0.08)) {
      l += pick([' ', '  ', '\t']); // v2 right-strips; v1 reads it as pathspec does
    }
    return l;
  };

  const lines: string[] = [];
  const n = 1 + int(7);
  for (let i = 0; i < n; i++) {
    if (chance(0.12)) {
      lines.push('*', '!train.py', '!src/', '!src/**');
    } else if (chance(0.1)) {
      const d = lit(dir());
      lines.push(d, `!${d}/${lit(base(file()))}`);
    } else {
      lines.push(line());
    }
  }
  const eol = chance(0.15) ? '\r\n' : '\n';
  let text = lines.join(eol) + (chance(0.8) ? eol : '');
  if (chance(0.04)) {
    text = `\ufeff${text}`;
  }
  const name = chance(0.85) ? '.amlignore' : '.gitignore';
  writeFileSync(join(root, name), text);
  if (name === '.amlignore' && chance(0.1)) {
    // Never read when .amlignore exists.
    writeFileSync(join(root, '.gitignore'), '*\n');
  }
  return { name, text };
}
