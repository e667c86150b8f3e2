/**
 * The rule index: every compiled rule filed so that one path finds the rule
 * that decides it without trying them all (literal maps, buckets by first
 * segment or name affix, and runs of same-polarity rules matched by the
 * `ignore` package where it means the same as pathspec).
 */
import ignore from 'ignore';
import type { ICompiled, IRule, IRuleDecision } from './pathspec/compile.js';

type Ignore = ignore.Ignore;

/** Paths the fast engine must not see: Python and JavaScript differ on these. */
export const NEEDS_EXACT = /[\n\ud800-\udfff]/;

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
export class Buckets {
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

export function maxOf(
  map: Map<string, number>,
  key: string,
  best: number
): number {
  const v = map.get(key);
  return v !== undefined && v > best ? v : best;
}

function setMax(map: Map<string, number>, key: string, index: number) {
  const v = map.get(key);
  if (v === undefined || v < index) {
    map.set(key, index);
  }
}

export class RuleIndex {
  readonly rules: readonly IRule[];
  readonly compiled: readonly ICompiled[];
  private readonly _negationsMatter: boolean;
  // Literal patterns by key: the highest rule index, per polarity.
  readonly pathPos = new Map<string, number>();
  readonly pathNeg = new Map<string, number>();
  readonly dirPos = new Map<string, number>();
  readonly dirNeg = new Map<string, number>();
  readonly namePos = new Map<string, number>();
  private readonly _nameNeg = new Map<string, number>();
  readonly dirnamePos = new Map<string, number>();
  private readonly _dirnameNeg = new Map<string, number>();
  /** The same, both polarities together: matching only needs the last rule. */
  private readonly _path = new Map<string, number>();
  private readonly _dir = new Map<string, number>();
  private readonly _name = new Map<string, number>();
  private readonly _dirname = new Map<string, number>();
  /** Negated anchored literals, by each folder strictly above their key. */
  readonly negBelow = new Map<string, number>();
  /** Highest negated rule that can match below any folder (not anchored). */
  negAnywhere = -1;
  readonly buckets = new Buckets();
  private _useBuckets = false;
  private readonly _groups: IGroup[] = [];
  /** Non-literal rules without a bucket, per polarity (for canPrune). */
  readonly loosePos: ICompiled[] = [];
  readonly looseNeg: ICompiled[] = [];

  constructor(
    rules: readonly IRule[],
    compiled: ICompiled[],
    bucketAbove: number
  ) {
    this.rules = rules;
    this.compiled = compiled;
    this._negationsMatter = compiled.some(c => c.negated && !c.never);
    this._index(bucketAbove);
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
    return best >= 0 ? !this.compiled[best].negated : false;
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

  private _index(bucketAbove: number): void {
    const nonLiteral = this.compiled.filter(c => !c.never && !c.literal);
    this._useBuckets = nonLiteral.length > bucketAbove;
    let group: IGroup | null = null;
    for (const c of this.compiled) {
      if (c.never) {
        continue;
      }
      if (c.literal) {
        this._indexLiteral(c, c.literal);
      } else {
        if (c.bucket) {
          this.buckets.add(c);
        } else {
          (c.negated ? this.looseNeg : this.loosePos).push(c);
        }
        if (c.negated && (c.unanchored || c.all || c.override)) {
          this.negAnywhere = c.index;
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
    this.buckets.seal();
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
          : this.dirnamePos
        : c.negated
          ? this._nameNeg
          : this.namePos;
      setMax(map, lit.key, c.index);
      if (c.negated) {
        this.negAnywhere = c.index;
      }
      return;
    }
    const map = lit.dir
      ? c.negated
        ? this.dirNeg
        : this.dirPos
      : c.negated
        ? this.pathNeg
        : this.pathPos;
    setMax(map, lit.key, c.index);
    if (c.negated) {
      for (
        let k = lit.key.indexOf('/');
        k >= 0;
        k = lit.key.indexOf('/', k + 1)
      ) {
        setMax(this.negBelow, lit.key.slice(0, k), c.index);
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
    if (this.buckets.size === 0) {
      return best;
    }
    this.buckets.each(path.split('/'), list => {
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
          this.compiled[best].negated !== g.negated &&
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

  private _lastMatch(path: string, list: readonly ICompiled[]): number {
    for (let k = list.length - 1; k >= 0; k--) {
      if (!list[k].never && this._re(list[k]).test(path)) {
        return list[k].index;
      }
    }
    return -1;
  }

  /** pathspec's own loop, on the translated regexes. */
  private _exact(path: string): IRuleDecision {
    const hit = this._lastMatch(path, this.compiled);
    return hit < 0
      ? { excluded: false, rule: null }
      : { excluded: !this.rules[hit].negated, rule: this.rules[hit] };
  }
}
