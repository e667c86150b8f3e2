/**
 * Pathspec's gitwildmatch compiler, shared by the dialects the SDKs use
 * (`pathspec-0.12.ts` for azureml-core, `pathspec-0.10.ts` for azure-ai-ml's
 * vendored copy): each line becomes the regex pathspec would build, plus
 * what the rule index needs to match it without trying every rule.
 */
import { IgnoreFileError } from '../ignore-file.js';
import type { IPathspecDialect } from './dialect.js';

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

export type Token =
  | { t: 'lit'; c: string }
  | { t: 'star' }
  | { t: 'any' }
  | { t: 'class'; neg: boolean; ranges: Array<[number, number]> };

export interface IGlob {
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

export type Item = IGlob | { kind: 'mid' } | { kind: 'end' };

/** Why pathspec (and so the SDK) refuses a pattern. */
class PatternError extends Error {}

/**
 * Everything derived from one pattern line. `items` is pathspec's normalized
 * segment list without its leading `**` (that is `unanchored`), with a middle
 * `**` directly before a final one folded into it (same files).
 */
export interface ICompiled {
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
function parseGlob(raw: string, dialect: IPathspecDialect): IGlob {
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
      if (j < n && (cs[j] === '!' || (dialect.caretNegates && cs[j] === '^'))) {
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
        // Without `caretNegates`, a leading `^` stays in the body: a literal
        // member (pathspec 0.10.1 emits it escaped, `[\\^...]`).
        if (cs[i] === '!' || (dialect.caretNegates && cs[i] === '^')) {
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

export const ANY = '[^\\n]'; // Python's `.`: anything but a newline
const PY_END = '(?=\\n?$)'; // Python's `$`: the end, or before a final newline

export interface IParsedLine {
  pattern: string;
  negated: boolean;
  compiled: Omit<ICompiled, 'index' | 'negated' | 're' | 'coverRe'>;
}

/**
 * One line as pathspec reads it (in `dialect`). `raw` still ends with `\n` unless it
 * is the file's last line without a line break (the escaped-space test looks
 * at the raw line). Returns null for comments and blank lines.
 */
function parseLine(raw: string, dialect: IPathspecDialect): IParsedLine | null {
  const pattern =
    dialect.keepsEscapedTrailingSpace && raw.endsWith('\\ ')
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
    : compileSegs(segs, dialect);
  return { pattern, negated, compiled };
}

function compileSegs(
  segs: string[],
  dialect: IPathspecDialect
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
        // 0.12.1 spells a lone `**` `[^/]+(?:/.*)?`, 0.10.1 `.+`: they differ
        // on a name holding a newline, which only `[^/]` matches.
        src += dialect.loneDoubleStarDot ? `${ANY}+` : `[^/]+(?:/${ANY}*)?`;
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
    const glob = parseGlob(seg, dialect);
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
export function splitLines(text: string): {
  lines: string[];
  lastEnds: boolean;
} {
  const lines = text.split(/\r\n|\r|\n/);
  const lastEnds = lines[lines.length - 1] === '';
  if (lastEnds) {
    lines.pop();
  }
  return { lines, lastEnds };
}

export interface IParsed {
  rules: IRule[];
  compiled: Array<IParsedLine['compiled']>;
}

export function parseText(
  text: string,
  source: string,
  dialect: IPathspecDialect
): IParsed {
  const { lines, lastEnds } = splitLines(text);
  const rules: IRule[] = [];
  const compiled: Array<IParsedLine['compiled']> = [];
  lines.forEach((line, k) => {
    const raw = k === lines.length - 1 && !lastEnds ? line : `${line}\n`;
    let parsed: IParsedLine | null;
    try {
      parsed = parseLine(raw, dialect);
    } catch (e) {
      if (e instanceof PatternError) {
        throw new IgnoreFileError(
          `${source}, line ${k + 1}: ${JSON.stringify(line)} is not a valid pattern for ${dialect.sdkName} (its pathspec raises an error on it): ${e.message}`
        );
      }
      throw e;
    }
    if (parsed) {
      rules.push(
        Object.freeze({
          source,
          line: k + 1,
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
