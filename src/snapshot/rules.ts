/**
 * Azure ML's ignore-rule semantics.
 *
 * The SDK (v1 `azureml-core`, which enforces the limits) reads the root
 * ignore file with Python's text mode, builds
 * `pathspec.PathSpec.from_lines('gitwildmatch', lines)` and calls
 * `match_file(path)` for every FILE: every pattern is tried in order and the
 * last one that matches wins. This is not git: a negation can bring back a
 * file below an excluded folder, leading blanks are stripped too, and a few
 * pathspec quirks (bracket expressions, `\` before `/`, `$` before a final
 * newline) differ from git's wildmatch.
 *
 * azureml-core pins `pathspec<1.0.0`, so the reference is pathspec 0.12.1
 * (what a fresh install resolves to). It differs from 0.11 in two places:
 * `[^...]` negates like `[!...]`, and a last line ending in `\ ` (no newline
 * after it) keeps its escaped trailing space.
 *
 * Matching runs on the `ignore` package (git semantics) wherever a pattern
 * means the same thing under both, with our own code around it for what
 * differs: line splitting and stripping, per-file last-match-wins, patterns
 * git would read differently, and paths whose names hold a newline or a
 * character outside the BMP (Python and JavaScript regular expressions treat
 * those differently), which go through a regex translated the way pathspec
 * translates the pattern.
 */
import ignore from 'ignore';

type Ignore = ignore.Ignore;

export type IgnoreFileName = '.amlignore' | '.gitignore';

/** `.amlignore` if present among the root's names, else `.gitignore`, else null. Never both. */
export function chooseIgnoreFile(
  rootNames: Iterable<string>
): IgnoreFileName | null {
  let git = false;
  for (const name of rootNames) {
    if (name === '.amlignore') {
      return '.amlignore';
    }
    if (name === '.gitignore') {
      git = true;
    }
  }
  return git ? '.gitignore' : null;
}

export interface IRule {
  /** The ignore file (or preview label) the line comes from. */
  source: string;
  /** 1-based line number, counting lines the way Python's text mode splits them. */
  line: number;
  /** The line as written (without its line break). */
  text: string;
  /** The line after the SDK's strip of leading and trailing blanks. */
  pattern: string;
  negated: boolean;
}

export interface IRuleDecision {
  excluded: boolean;
  /** The last matching rule, null if none matched. */
  rule: IRule | null;
}

/** An ignore file the SDK cannot use: undecodable, absurdly large, or a pattern pathspec rejects. */
export class IgnoreFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IgnoreFileError';
  }
}

/**
 * Larger ignore files are refused rather than parsed: 8 MiB is some 100,000
 * generated lines, far beyond any real file, and keeps a stray binary from
 * stalling the browser.
 */
export const MAX_IGNORE_FILE_BYTES = 8 * 1024 * 1024;

/**
 * Decode an ignore file's bytes as strict UTF-8 (what the SDK's `open()`
 * does on Linux; an invalid byte makes it raise). A byte-order mark is kept,
 * as Python's `utf-8` codec keeps it: it becomes part of the first pattern.
 */
export function decodeIgnoreFile(bytes: Uint8Array, source: string): string {
  if (bytes.length > MAX_IGNORE_FILE_BYTES) {
    throw new IgnoreFileError(
      `${source} is ${bytes.length} bytes, more than the ${MAX_IGNORE_FILE_BYTES}-byte limit for an ignore file; it is probably not a text file`
    );
  }
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) {
    const hex = bytes[bad].toString(16).toUpperCase().padStart(2, '0');
    throw new IgnoreFileError(
      `${source} is not valid UTF-8: byte 0x${hex} at offset ${bad} (line ${lineAtOffset(bytes, bad)}); Azure ML's SDK would fail to read it`
    );
  }
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
}

/** Offset of the first byte of an invalid UTF-8 sequence, or -1. */
function firstInvalidUtf8(b: Uint8Array): number {
  const n = b.length;
  let i = 0;
  while (i < n) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      // Overlong forms and UTF-16 surrogates are invalid, as in Python.
      if (c === 0xe0) {
        lo = 0xa0;
      } else if (c === 0xed) {
        hi = 0x9f;
      }
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) {
        lo = 0x90;
      } else if (c === 0xf4) {
        hi = 0x8f;
      }
    } else {
      return i;
    }
    for (let k = 1; k <= need; k++) {
      const x = i + k < n ? b[i + k] : -1;
      if (x < (k === 1 ? lo : 0x80) || x > (k === 1 ? hi : 0xbf)) {
        return i;
      }
    }
    i += need + 1;
  }
  return -1;
}

/** 1-based line of a byte offset, with `\r\n`, `\r` and `\n` as breaks. */
function lineAtOffset(b: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) {
    if (b[i] === 0x0a || (b[i] === 0x0d && b[i + 1] !== 0x0a)) {
      line++;
    }
  }
  return line;
}

// ---------------------------------------------------------------------------
// Parsing, mirroring pathspec's GitWildMatchPattern.pattern_to_regex

/** Code points Python's `str.strip()` removes (`str.isspace()`); JavaScript's `trim()` differs. */
const PY_SPACE = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0,
  0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007,
  0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000
]);

/** Is `ch` a blank the SDK strips from both ends of a line (Python's `str.isspace()`)? */
export function isStrippedBlank(ch: string): boolean {
  return ch.length === 1 && PY_SPACE.has(ch.charCodeAt(0));
}

/** All of these are BMP characters, so UTF-16 units can be tested one by one. */
function pyStrip(s: string, right: boolean): string {
  let a = 0;
  let b = s.length;
  while (a < b && PY_SPACE.has(s.charCodeAt(a))) {
    a++;
  }
  while (right && b > a && PY_SPACE.has(s.charCodeAt(b - 1))) {
    b--;
  }
  return s.slice(a, b);
}

type Token =
  | { t: 'lit'; c: string }
  | { t: 'star' }
  | { t: 'any' }
  | { t: 'class'; neg: boolean; ranges: Array<[number, number]> };

interface IGlob {
  kind: 'glob';
  raw: string;
  tokens: Token[];
  /** Regex source of the segment, pathspec's translation in JavaScript syntax. */
  re: string;
  literal: string | null;
  /** A bracket expression that can match `/` between two other tokens (pathspec can span segments). */
  spansSlash: boolean;
  astralClass: boolean;
  starOnly: boolean;
  /** The segment alone, compiled on first use. */
  whole: RegExp | null;
}

type Item = IGlob | { kind: 'mid' } | { kind: 'end' };

/** Why pathspec (and so the SDK) refuses a pattern. */
class PatternError extends Error {}

/**
 * Everything derived from one pattern line. `items` is pathspec's normalized
 * segment list without its leading `**` (that is `unanchored`), with a middle
 * `**` directly before a final one folded into it (same files).
 */
interface ICompiled {
  index: number;
  negated: boolean;
  /** Matches no valid relative path (an empty segment, `/**\/`...). */
  never: boolean;
  /** A lone `**`: every path. */
  all: boolean;
  /** pathspec's special case for `**\/`: every path with a slash. */
  override: boolean;
  unanchored: boolean;
  items: Item[];
  /** Source of the exact (pathspec-equivalent) regex. */
  src: string;
  re: RegExp | null;
  /** Set for literal patterns, which are matched through maps. */
  literal: { key: string; dir: boolean } | null;
  /** The same pattern for the `ignore` package, or null when it would mean something else there. */
  gitPattern: string | null;
  /**
   * What a path must hold for the rule to match, to find candidate rules
   * without trying them all: its first segment (anchored patterns), or a
   * segment ending or starting with this text (one-segment patterns).
   */
  bucket: { kind: 'first' | 'suffix' | 'prefix'; key: string } | null;
  coverRe: RegExp[] | null;
}

/** Escape one code point for a `u`-flag regex. */
function reChar(cp: number): string {
  const c = String.fromCodePoint(cp);
  return /[A-Za-z0-9_]/.test(c) ? c : `\\u{${cp.toString(16)}}`;
}

/**
 * Python's parse of the class body pathspec emits (`[` + body + `]`, every
 * backslash doubled, so a backslash is always a literal member).
 */
function parsePyClass(body: string[]): Array<[number, number]> {
  const chars = [...body, ']'];
  const set: Array<[number, number]> = [];
  let k = 0;
  for (;;) {
    const ch = chars[k++];
    // A `]` ends the set except as its very first member.
    if (ch === ']' && set.length > 0) {
      return set;
    }
    const lo = ch.codePointAt(0) as number;
    if (chars[k] === '-') {
      const that = chars[k + 1];
      k += 2;
      if (that === ']') {
        set.push([lo, lo], [0x2d, 0x2d]);
        return set;
      }
      const hi = that.codePointAt(0) as number;
      if (hi < lo) {
        throw new PatternError(`bad character range ${ch}-${that}`);
      }
      set.push([lo, hi]);
    } else {
      set.push([lo, lo]);
    }
  }
}

function classHasSlash(tok: { neg: boolean; ranges: Array<[number, number]> }) {
  const inSet = tok.ranges.some(([a, b]) => a <= 0x2f && 0x2f <= b);
  return tok.neg ? !inSet : inSet;
}

/** pathspec's `_translate_segment_glob`, as tokens plus a JavaScript regex. */
function parseGlob(raw: string): IGlob {
  const cs = Array.from(raw);
  const n = cs.length;
  const tokens: Token[] = [];
  let i = 0;
  let escape = false;
  while (i < n) {
    const c = cs[i++];
    if (escape) {
      escape = false;
      tokens.push({ t: 'lit', c });
    } else if (c === '\\') {
      escape = true;
    } else if (c === '*') {
      tokens.push({ t: 'star' });
    } else if (c === '?') {
      tokens.push({ t: 'any' });
    } else if (c === '[') {
      let j = i;
      if (j < n && (cs[j] === '!' || cs[j] === '^')) {
        j++;
      }
      if (j < n && cs[j] === ']') {
        j++;
      }
      while (j < n && cs[j] !== ']') {
        j++;
      }
      if (j < n) {
        j++;
        let neg = false;
        if (cs[i] === '!' || cs[i] === '^') {
          neg = true;
          i++;
        }
        tokens.push({
          t: 'class',
          neg,
          ranges: parsePyClass(cs.slice(i, j - 1))
        });
        i = j;
      } else {
        tokens.push({ t: 'lit', c: '[' });
      }
    } else {
      tokens.push({ t: 'lit', c });
    }
  }
  if (escape) {
    throw new PatternError(
      'a backslash ends a segment (pathspec splits on "/" before it reads escapes)'
    );
  }
  let re = '';
  let literal: string | null = '';
  let spansSlash = false;
  let astralClass = false;
  tokens.forEach((tok, k) => {
    if (tok.t === 'lit') {
      re += reChar(tok.c.codePointAt(0) as number);
      literal = literal === null ? null : literal + tok.c;
      return;
    }
    literal = null;
    if (tok.t === 'star') {
      re += '[^/]*';
    } else if (tok.t === 'any') {
      re += '[^/]';
    } else {
      re +=
        (tok.neg ? '[^' : '[') +
        tok.ranges
          .map(([a, b]) => (a === b ? reChar(a) : `${reChar(a)}-${reChar(b)}`))
          .join('') +
        ']';
      // At either end of a segment a `/` match would need an empty segment.
      if (k > 0 && k < tokens.length - 1 && classHasSlash(tok)) {
        spansSlash = true;
      }
      if (tok.ranges.some(([, b]) => b > 0xffff)) {
        astralClass = true;
      }
    }
  });
  const starOnly = tokens.length > 0 && tokens.every(x => x.t === 'star');
  return {
    kind: 'glob',
    raw,
    tokens,
    re: raw === '*' ? '[^/]+' : re,
    literal: tokens.length === 0 ? null : literal,
    spansSlash,
    astralClass,
    starOnly,
    whole: null
  };
}

const ANY = '[^\\n]'; // Python's `.`: anything but a newline
const PY_END = '(?=\\n?$)'; // Python's `$`: the end, or before a final newline

interface IParsedLine {
  pattern: string;
  negated: boolean;
  compiled: Omit<ICompiled, 'index' | 'negated' | 're' | 'coverRe'>;
}

/**
 * One line as pathspec 0.12.1 reads it. `raw` still ends with `\n` unless it
 * is the file's last line without a line break (the escaped-space test looks
 * at the raw line). Returns null for comments and blank lines.
 */
function parseLine(raw: string): IParsedLine | null {
  const pattern = raw.endsWith('\\ ')
    ? pyStrip(raw, false)
    : pyStrip(raw, true);
  if (pattern.startsWith('#') || pattern === '/' || pattern === '') {
    return null;
  }
  const negated = pattern.startsWith('!');
  const body = negated ? pattern.slice(1) : pattern;
  const segs = body.split('/');
  for (let i = segs.length - 1; i > 0; i--) {
    if (segs[i - 1] === '**' && segs[i] === '**') {
      segs.splice(i, 1);
    }
  }
  const override = segs.length === 2 && segs[0] === '**' && segs[1] === '';
  if (segs[0] === '') {
    segs.shift();
  } else if (segs.length === 1 || (segs.length === 2 && segs[1] === '')) {
    if (segs[0] !== '**') {
      segs.unshift('**');
    }
  }
  if (segs.length === 0) {
    throw new PatternError('nothing is left after "!"');
  }
  if (segs[segs.length - 1] === '' && segs.length > 1) {
    segs[segs.length - 1] = '**';
  }
  const compiled = override
    ? {
        never: false,
        all: false,
        override: true,
        unanchored: false,
        items: [],
        src: `^${ANY}+/${ANY}*${PY_END}`,
        literal: null,
        gitPattern: '/*/**',
        bucket: null
      }
    : compileSegs(segs);
  return { pattern, negated, compiled };
}

function compileSegs(
  segs: string[]
): Omit<ICompiled, 'index' | 'negated' | 're' | 'coverRe'> {
  const end = segs.length - 1;
  const all = segs.length === 1 && segs[0] === '**';
  const unanchored = segs[0] === '**' && !all;
  let src = '^';
  let needSlash = false;
  const items: Item[] = [];
  segs.forEach((seg, i) => {
    if (seg === '**') {
      if (i === 0 && i === end) {
        src += `[^/]+(?:/${ANY}*)?`;
      } else if (i === 0) {
        src += `(?:${ANY}+/)?`;
        needSlash = false;
      } else if (i === end) {
        src += `/${ANY}*`;
        items.push({ kind: 'end' });
      } else {
        src += `(?:/${ANY}+)?`;
        needSlash = true;
        items.push({ kind: 'mid' });
      }
      return;
    }
    const glob = parseGlob(seg);
    src += (needSlash ? '/' : '') + glob.re;
    if (i === end) {
      src += `(?:/${ANY}*)?`;
    }
    needSlash = true;
    items.push(glob);
  });
  src += PY_END;
  // `a/**/` normalizes to `a`, `**`, `**`: the middle one adds nothing.
  const last = items.length - 1;
  if (
    last > 0 &&
    items[last].kind === 'end' &&
    items[last - 1].kind === 'mid'
  ) {
    items.splice(last - 1, 1);
  }
  const never =
    items.some(it => it.kind === 'glob' && it.raw === '') ||
    (unanchored && items.length > 0 && items[0].kind !== 'glob');
  const globs = items.filter((it): it is IGlob => it.kind === 'glob');
  let literal: ICompiled['literal'] = null;
  if (
    !never &&
    !all &&
    globs.every(g => g.literal !== null) &&
    !items.some(it => it.kind === 'mid') &&
    (!unanchored || globs.length === 1)
  ) {
    literal = {
      key: globs.map(g => g.literal).join('/'),
      dir: items[items.length - 1].kind === 'end'
    };
  }
  const expressible =
    !never && !all && globs.every(g => !g.spansSlash && !g.astralClass);
  const gitPattern = expressible
    ? (unanchored ? '**/' : '/') +
      items.map(it => (it.kind === 'glob' ? gitGlob(it) : '**')).join('/')
    : null;
  return {
    never,
    all,
    override: false,
    unanchored,
    items,
    src,
    literal,
    gitPattern,
    bucket: never || all || literal ? null : bucketOf(unanchored, items)
  };
}

function bucketOf(unanchored: boolean, items: Item[]): ICompiled['bucket'] {
  const first = items[0];
  if (!unanchored) {
    return first.kind === 'glob' && first.literal !== null
      ? { kind: 'first', key: first.literal }
      : null;
  }
  const single =
    items.length === 1 || (items.length === 2 && items[1].kind === 'end');
  if (!single || first.kind !== 'glob') {
    return null;
  }
  const toks = first.tokens;
  let suffix = '';
  for (let k = toks.length - 1; k >= 0; k--) {
    const t = toks[k];
    if (t.t !== 'lit') {
      break;
    }
    suffix = t.c + suffix;
  }
  if (suffix) {
    return { kind: 'suffix', key: suffix };
  }
  let prefix = '';
  for (const t of toks) {
    if (t.t !== 'lit') {
      break;
    }
    prefix += t.c;
  }
  return prefix ? { kind: 'prefix', key: prefix } : null;
}

/** A `ignore`-package (git wildmatch) spelling of one glob segment. */
function gitGlob(g: IGlob): string {
  let out = '';
  let prevStar = false;
  for (const tok of g.tokens) {
    if (tok.t === 'star') {
      // pathspec reads `**` inside a segment as two `*`: the same as one.
      if (!prevStar) {
        out += '*';
      }
      prevStar = true;
      continue;
    }
    prevStar = false;
    if (tok.t === 'lit') {
      out += '\\*?[] '.includes(tok.c) ? `\\${tok.c}` : tok.c;
    } else if (tok.t === 'any') {
      out += '?';
    } else {
      // Every member escaped, so git's bracket grammar reads each literally.
      const members = tok.ranges
        .map(([a, b]) => {
          const lo = `\\${String.fromCodePoint(a)}`;
          return a === b ? lo : `${lo}-\\${String.fromCodePoint(b)}`;
        })
        .join('');
      out += `[${tok.neg ? '!' : ''}${members}]`;
    }
  }
  return out;
}

/** Split the way Python's text mode does (universal newlines). */
function splitLines(text: string): { lines: string[]; lastEnds: boolean } {
  const lines = text.split(/\r\n|\r|\n/);
  const lastEnds = lines[lines.length - 1] === '';
  if (lastEnds) {
    lines.pop();
  }
  return { lines, lastEnds };
}

interface IParsed {
  rules: IRule[];
  compiled: Array<IParsedLine['compiled']>;
}

function parseText(text: string, source: string, lineOffset = 0): IParsed {
  const { lines, lastEnds } = splitLines(text);
  const rules: IRule[] = [];
  const compiled: Array<IParsedLine['compiled']> = [];
  lines.forEach((line, k) => {
    const raw = k === lines.length - 1 && !lastEnds ? line : `${line}\n`;
    let parsed: IParsedLine | null;
    try {
      parsed = parseLine(raw);
    } catch (e) {
      if (e instanceof PatternError) {
        throw new IgnoreFileError(
          `${source}, line ${lineOffset + k + 1}: ${JSON.stringify(line)} is not a valid pattern for Azure ML's SDK (pathspec raises an error on it): ${e.message}`
        );
      }
      throw e;
    }
    if (parsed) {
      rules.push(
        Object.freeze({
          source,
          line: lineOffset + k + 1,
          text: line,
          pattern: parsed.pattern,
          negated: parsed.negated
        })
      );
      compiled.push(parsed.compiled);
    }
  });
  return { rules, compiled };
}

// ---------------------------------------------------------------------------
// Matching

/** Paths the fast engine must not see: Python and JavaScript differ on these. */
const NEEDS_EXACT = /[\n\ud800-\udfff]/;

/**
 * With more groups than this, groups match with our own regexes: every
 * `ignore` instance caches each path it is asked about, and a file that
 * flips between negations and exclusions hundreds of times would hold the
 * whole tree once per group.
 */
const MAX_IGNORE_GROUPS = 32;

/** A run of same-polarity rules matched together, by one `ignore` instance where possible. */
interface IGroup {
  first: number;
  last: number;
  negated: boolean;
  patterns: string[];
  ig: Ignore | null;
  regexes: ICompiled[];
  members: ICompiled[];
}

type BucketKind = 'first' | 'suffix' | 'prefix';

/** Rules by bucket key, each list in rule order. */
class Buckets {
  readonly maps: Record<BucketKind, Map<string, ICompiled[]>> = {
    first: new Map(),
    suffix: new Map(),
    prefix: new Map()
  };
  private readonly _lens: Record<'suffix' | 'prefix', Set<number>> = {
    suffix: new Set(),
    prefix: new Set()
  };
  suffixLens: number[] = [];
  prefixLens: number[] = [];
  size = 0;

  add(c: ICompiled): void {
    const b = c.bucket as NonNullable<ICompiled['bucket']>;
    const list = this.maps[b.kind].get(b.key);
    if (list) {
      list.push(c);
    } else {
      this.maps[b.kind].set(b.key, [c]);
    }
    if (b.kind !== 'first') {
      this._lens[b.kind].add(b.key.length);
    }
    this.size++;
  }

  seal(): void {
    this.suffixLens = [...this._lens.suffix];
    this.prefixLens = [...this._lens.prefix];
  }

  /** Calls `fn` with every list whose key fits the segments `comps` (a path or a folder). */
  each(comps: string[], fn: (list: ICompiled[]) => void): void {
    const first = this.maps.first.get(comps[0]);
    if (first) {
      fn(first);
    }
    if (this.suffixLens.length + this.prefixLens.length === 0) {
      return;
    }
    for (const comp of comps) {
      for (const len of this.suffixLens) {
        if (len <= comp.length) {
          const list = this.maps.suffix.get(comp.slice(comp.length - len));
          if (list) {
            fn(list);
          }
        }
      }
      for (const len of this.prefixLens) {
        if (len <= comp.length) {
          const list = this.maps.prefix.get(comp.slice(0, len));
          if (list) {
            fn(list);
          }
        }
      }
    }
  }
}

function maxOf(map: Map<string, number>, key: string, best: number): number {
  const v = map.get(key);
  return v !== undefined && v > best ? v : best;
}

function setMax(map: Map<string, number>, key: string, index: number) {
  const v = map.get(key);
  if (v === undefined || v < index) {
    map.set(key, index);
  }
}

export class RuleSet {
  /**
   * Above this many non-literal rules, rules with a bucket are found by
   * lookup rather than matched in turn (tests set 0 to cover that path).
   */
  static bucketAbove = 200;

  readonly source: string | null;
  readonly rules: readonly IRule[];
  readonly hasNegations: boolean;

  private readonly _compiled: ICompiled[];
  private readonly _texts: Array<{ text: string; source: string }>;
  private readonly _negationsMatter: boolean;
  // Literal patterns by key: the highest rule index, per polarity.
  private readonly _pathPos = new Map<string, number>();
  private readonly _pathNeg = new Map<string, number>();
  private readonly _dirPos = new Map<string, number>();
  private readonly _dirNeg = new Map<string, number>();
  private readonly _namePos = new Map<string, number>();
  private readonly _nameNeg = new Map<string, number>();
  private readonly _dirnamePos = new Map<string, number>();
  private readonly _dirnameNeg = new Map<string, number>();
  /** The same, both polarities together: matching only needs the last rule. */
  private readonly _path = new Map<string, number>();
  private readonly _dir = new Map<string, number>();
  private readonly _name = new Map<string, number>();
  private readonly _dirname = new Map<string, number>();
  /** Negated anchored literals, by each folder strictly above their key. */
  private readonly _negBelow = new Map<string, number>();
  /** Highest negated rule that can match below any folder (not anchored). */
  private _negAnywhere = -1;
  private readonly _buckets = new Buckets();
  private _useBuckets = false;
  private readonly _groups: IGroup[] = [];
  /** Non-literal rules without a bucket, per polarity (for canPrune). */
  private readonly _loosePos: ICompiled[] = [];
  private readonly _looseNeg: ICompiled[] = [];
  private readonly _pruneCache = new Map<string, boolean>();

  private constructor(
    source: string | null,
    texts: Array<{ text: string; source: string }>
  ) {
    this.source = source;
    this._texts = texts;
    const rules: IRule[] = [];
    const compiled: ICompiled[] = [];
    for (const t of texts) {
      const parsed = parseText(t.text, t.source);
      parsed.rules.forEach((rule, k) => {
        rules.push(rule);
        compiled.push({
          ...parsed.compiled[k],
          index: compiled.length,
          negated: rule.negated,
          re: null,
          coverRe: null
        });
      });
    }
    this.rules = Object.freeze(rules);
    this._compiled = compiled;
    this.hasNegations = rules.some(r => r.negated);
    this._negationsMatter = compiled.some(c => c.negated && !c.never);
    this._index();
  }

  static parse(text: string, source: string | null): RuleSet {
    return new RuleSet(source, source === null ? [] : [{ text, source }]);
  }

  /**
   * A new set: these rules followed by extra lines (the advisor's preview),
   * labelled `source`; their line numbers count within `text`.
   */
  extend(text: string, source: string): RuleSet {
    return new RuleSet(this.source ?? source, [
      ...this._texts,
      { text, source }
    ]);
  }

  /** Is the FILE at `path` (relative to the root, `/`-separated) left out of the snapshot? */
  excludes(path: string): boolean {
    if (NEEDS_EXACT.test(path)) {
      return this._exact(path).excluded;
    }
    let best = this._literal(path);
    if (!this._negationsMatter && best >= 0) {
      return true;
    }
    if (this._useBuckets) {
      best = this._bucketed(path, best);
      if (!this._negationsMatter && best >= 0) {
        return true;
      }
    }
    const g = this._winningGroup(path, best);
    if (g) {
      return !g.negated;
    }
    return best >= 0 ? !this._compiled[best].negated : false;
  }

  /** Same as `excludes`, with the rule that decided it. */
  decide(path: string): IRuleDecision {
    if (NEEDS_EXACT.test(path)) {
      return this._exact(path);
    }
    let best = this._literal(path);
    if (this._useBuckets) {
      best = this._bucketed(path, best);
    }
    const g = this._winningGroup(path, best);
    if (g) {
      const hit = this._lastMatch(path, g.members);
      if (hit < 0) {
        return this._exact(path);
      }
      best = Math.max(best, hit);
    }
    return best < 0
      ? { excluded: false, rule: null }
      : { excluded: !this.rules[best].negated, rule: this.rules[best] };
  }

  /**
   * May the walk skip folder `dir` (relative, no trailing slash) unread?
   * True only when a rule matches every path below `dir` and no later
   * negation can match anything there. One case is beyond it: pathspec's
   * `.` does not match a newline, so a file whose name below `dir` holds one
   * escapes even `dir/`; such names are assumed absent.
   */
  canPrune(dir: string): boolean {
    if (dir === '' || NEEDS_EXACT.test(dir) || this._compiled.length === 0) {
      return false;
    }
    const cached = this._pruneCache.get(dir);
    if (cached !== undefined) {
      return cached;
    }
    const result = this._canPrune(dir);
    this._pruneCache.set(dir, result);
    return result;
  }

  // -------------------------------------------------------------------------

  private _index(): void {
    const nonLiteral = this._compiled.filter(c => !c.never && !c.literal);
    this._useBuckets = nonLiteral.length > RuleSet.bucketAbove;
    let group: IGroup | null = null;
    for (const c of this._compiled) {
      if (c.never) {
        continue;
      }
      if (c.literal) {
        this._indexLiteral(c, c.literal);
      } else {
        if (c.bucket) {
          this._buckets.add(c);
        } else {
          (c.negated ? this._looseNeg : this._loosePos).push(c);
        }
        if (c.negated && (c.unanchored || c.all || c.override)) {
          this._negAnywhere = c.index;
        }
      }
      if (c.literal || (this._useBuckets && c.bucket)) {
        // Matched outside the groups (see `_winningGroup`).
        continue;
      }
      if (!group || group.negated !== c.negated) {
        group = {
          first: c.index,
          last: c.index,
          negated: c.negated,
          patterns: [],
          ig: null,
          regexes: [],
          members: []
        };
        this._groups.push(group);
      }
      group.last = c.index;
      group.members.push(c);
      if (c.gitPattern !== null && this._groups.length <= MAX_IGNORE_GROUPS) {
        group.patterns.push(c.gitPattern);
      } else {
        group.regexes.push(c);
      }
    }
    this._buckets.seal();
    if (this._groups.length > MAX_IGNORE_GROUPS) {
      for (const g of this._groups) {
        g.patterns = [];
        g.regexes = g.members;
      }
    }
    for (const g of this._groups) {
      if (g.patterns.length > 0) {
        g.ig = ignore({ ignorecase: false }).add(g.patterns);
      }
    }
  }

  private _indexLiteral(c: ICompiled, lit: { key: string; dir: boolean }) {
    setMax(
      c.unanchored
        ? lit.dir
          ? this._dirname
          : this._name
        : lit.dir
          ? this._dir
          : this._path,
      lit.key,
      c.index
    );
    if (c.unanchored) {
      const map = lit.dir
        ? c.negated
          ? this._dirnameNeg
          : this._dirnamePos
        : c.negated
          ? this._nameNeg
          : this._namePos;
      setMax(map, lit.key, c.index);
      if (c.negated) {
        this._negAnywhere = c.index;
      }
      return;
    }
    const map = lit.dir
      ? c.negated
        ? this._dirNeg
        : this._dirPos
      : c.negated
        ? this._pathNeg
        : this._pathPos;
    setMax(map, lit.key, c.index);
    if (c.negated) {
      for (
        let k = lit.key.indexOf('/');
        k >= 0;
        k = lit.key.indexOf('/', k + 1)
      ) {
        setMax(this._negBelow, lit.key.slice(0, k), c.index);
      }
    }
  }

  /** Highest index of a literal rule matching `path`, or -1. */
  private _literal(path: string): number {
    let best = -1;
    const anchored = this._path.size + this._dir.size > 0;
    const named = this._name.size + this._dirname.size > 0;
    if (!anchored && !named) {
      return best;
    }
    let start = 0;
    for (;;) {
      const slash = path.indexOf('/', start);
      const isLast = slash < 0;
      const stop = isLast ? path.length : slash;
      if (anchored) {
        const prefix = isLast ? path : path.slice(0, stop);
        best = maxOf(this._path, prefix, best);
        if (!isLast) {
          best = maxOf(this._dir, prefix, best);
        }
      }
      if (named) {
        const name = start === 0 && isLast ? path : path.slice(start, stop);
        best = maxOf(this._name, name, best);
        if (!isLast) {
          best = maxOf(this._dirname, name, best);
        }
      }
      if (isLast) {
        return best;
      }
      start = slash + 1;
    }
  }

  /** Highest index of a bucketed rule matching `path` above `best`, or `best`. */
  private _bucketed(path: string, best: number): number {
    if (this._buckets.size === 0) {
      return best;
    }
    this._buckets.each(path.split('/'), list => {
      for (let k = list.length - 1; k >= 0 && list[k].index > best; k--) {
        if (this._re(list[k]).test(path)) {
          best = list[k].index;
          return;
        }
      }
    });
    return best;
  }

  private _groupMatches(g: IGroup, path: string): boolean {
    if (g.ig) {
      try {
        if (g.ig.ignores(path)) {
          return true;
        }
      } catch {
        // `ignore` refuses paths that are not plainly relative.
        return this._lastMatch(path, g.members) >= 0;
      }
    }
    for (const c of g.regexes) {
      if (this._re(c).test(path)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The last group that matches and beats rule `best` (the best literal or
   * bucketed match), or null when `best` decides. A group may straddle
   * `best`; then only its members after `best` count.
   */
  private _winningGroup(path: string, best: number): IGroup | null {
    for (let k = this._groups.length - 1; k >= 0; k--) {
      const g = this._groups[k];
      if (g.last < best) {
        return null;
      }
      if (this._groupMatches(g, path)) {
        if (
          g.first < best &&
          this._compiled[best].negated !== g.negated &&
          this._lastMatch(path, g.members) < best
        ) {
          return null;
        }
        return g;
      }
    }
    return null;
  }

  private _re(c: ICompiled): RegExp {
    if (!c.re) {
      c.re = new RegExp(c.src, 'u');
    }
    return c.re;
  }

  private _lastMatch(path: string, list: ICompiled[]): number {
    for (let k = list.length - 1; k >= 0; k--) {
      if (!list[k].never && this._re(list[k]).test(path)) {
        return list[k].index;
      }
    }
    return -1;
  }

  /** pathspec's own loop, on the translated regexes. */
  private _exact(path: string): IRuleDecision {
    const hit = this._lastMatch(path, this._compiled);
    return hit < 0
      ? { excluded: false, rule: null }
      : { excluded: !this.rules[hit].negated, rule: this.rules[hit] };
  }

  /**
   * The folder can be skipped when the last rule that covers it (matches
   * every path below it) comes after every negation that could match
   * something below it.
   */
  private _canPrune(dir: string): boolean {
    const comps = dir.split('/');
    if (comps.includes('')) {
      return false;
    }
    const prefixes: string[] = [];
    for (let k = dir.indexOf('/'); k >= 0; k = dir.indexOf('/', k + 1)) {
      prefixes.push(dir.slice(0, k));
    }
    prefixes.push(dir);
    let cov = -1;
    let neg = this._negAnywhere;
    for (const a of prefixes) {
      cov = maxOf(this._pathPos, a, cov);
      cov = maxOf(this._dirPos, a, cov);
      neg = maxOf(this._pathNeg, a, neg);
      neg = maxOf(this._dirNeg, a, neg);
    }
    neg = maxOf(this._negBelow, dir, neg);
    for (const name of comps) {
      cov = maxOf(this._namePos, name, cov);
      cov = maxOf(this._dirnamePos, name, cov);
    }
    const negFirst = (list: ICompiled[]) => {
      for (let k = list.length - 1; k >= 0 && list[k].index > neg; k--) {
        const c = list[k];
        if (c.negated && this._mayMatchBelow(c, comps)) {
          neg = c.index;
          return;
        }
      }
    };
    // Unanchored negations are in `_negAnywhere` already; the rest start with a fixed segment.
    negFirst(this._looseNeg);
    const first = this._buckets.maps.first.get(comps[0]);
    if (first) {
      negFirst(first);
    }
    const posCover = (list: ICompiled[]) => {
      for (let k = list.length - 1; k >= 0; k--) {
        const c = list[k];
        if (c.index <= cov || c.index <= neg) {
          return;
        }
        if (!c.negated && this._covers(c, prefixes)) {
          cov = c.index;
          return;
        }
      }
    };
    posCover(this._loosePos);
    this._buckets.each(comps, posCover);
    return cov > neg;
  }

  /** Could rule `c` match some path below folder `comps`? (true when unsure) */
  private _mayMatchBelow(c: ICompiled, comps: string[]): boolean {
    if (c.never) {
      return false;
    }
    if (c.all || c.override || c.unanchored) {
      return true;
    }
    for (let k = 0; k < c.items.length; k++) {
      const it = c.items[k];
      if (it.kind !== 'glob' || k >= comps.length || it.spansSlash) {
        return true;
      }
      if (!it.whole) {
        it.whole = new RegExp(`^${it.re}$`, 'u');
      }
      if (!it.whole.test(comps[k])) {
        return false;
      }
    }
    // Every segment matched a folder above or at `comps`: the tail matches all below.
    return true;
  }

  /** Does rule `c` match every path below one of these folders (ancestors and the folder itself)? */
  private _covers(c: ICompiled, prefixes: string[]): boolean {
    if (c.never) {
      return false;
    }
    if (c.all || c.override) {
      return true;
    }
    if (!c.coverRe) {
      c.coverRe = coverRegexes(c);
    }
    return c.coverRe.some(re => prefixes.some(a => re.test(a)));
  }
}

/**
 * Regexes R such that R matching a folder A means rule `c` matches every
 * path below A: the pattern minus its tail (`/**` or `(?:/.*)?`), and for a
 * last segment of only `*`, the pattern minus that segment.
 */
function coverRegexes(c: ICompiled): RegExp[] {
  if (c.items.some(it => it.kind === 'glob' && it.spansSlash)) {
    return [];
  }
  const build = (items: Item[]): RegExp | null => {
    if (items.length === 0) {
      return null;
    }
    let src = c.unanchored ? `^(?:${ANY}+/)?` : '^';
    let needSlash = false;
    for (const it of items) {
      if (it.kind === 'glob') {
        src += (needSlash ? '/' : '') + it.re;
      } else {
        src += `(?:/${ANY}+)?`;
      }
      needSlash = true;
    }
    return new RegExp(`${src}$`, 'u');
  };
  const out: RegExp[] = [];
  const last = c.items[c.items.length - 1];
  const head = c.items.slice(0, -1);
  if (last.kind === 'end') {
    const re = build(head);
    if (re) {
      out.push(re);
    }
  } else if (last.kind === 'glob') {
    const re = build(c.items);
    if (re) {
      out.push(re);
    }
    if (last.starOnly) {
      const h = build(head);
      if (h) {
        out.push(h);
      }
    }
  }
  return out;
}
