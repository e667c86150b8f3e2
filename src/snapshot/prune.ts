/**
 * Pruning: may a walk skip a folder unread because no rule can bring back
 * anything inside it? Both SDK models rely on it: what it skips is neither
 * uploaded nor counted by any walk of either SDK.
 */
import { ANY, type ICompiled, type Item } from './pathspec/compile.js';
import { wholeOf } from './folder-plan.js';
import { maxOf, NEEDS_EXACT, type RuleIndex } from './rule-index.js';

export class Pruner {
  private readonly _cache = new Map<string, boolean>();

  constructor(private readonly _ix: RuleIndex) {}

  /** See `RuleSet.canPrune`. */
  canPrune(dir: string): boolean {
    if (dir === '' || NEEDS_EXACT.test(dir) || this._ix.compiled.length === 0) {
      return false;
    }
    const cached = this._cache.get(dir);
    if (cached !== undefined) {
      return cached;
    }
    const result = this._compute(dir);
    this._cache.set(dir, result);
    return result;
  }

  /**
   * The folder can be skipped when the last rule that covers it (matches
   * every path below it) comes after every negation that could match
   * something below it.
   */
  private _compute(dir: string): boolean {
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
    let neg = this._ix.negAnywhere;
    for (const a of prefixes) {
      cov = maxOf(this._ix.pathPos, a, cov);
      cov = maxOf(this._ix.dirPos, a, cov);
      neg = maxOf(this._ix.pathNeg, a, neg);
      neg = maxOf(this._ix.dirNeg, a, neg);
    }
    neg = maxOf(this._ix.negBelow, dir, neg);
    for (const name of comps) {
      cov = maxOf(this._ix.namePos, name, cov);
      cov = maxOf(this._ix.dirnamePos, name, cov);
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
    negFirst(this._ix.looseNeg);
    const first = this._ix.buckets.maps.first.get(comps[0]);
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
    posCover(this._ix.loosePos);
    this._ix.buckets.each(comps, posCover);
    return cov > neg;
  }

  /**
   * Could anchored rule `c` match some path below folder `comps`? (true when
   * unsure) The index leaves out rules that never match, and the others
   * that could match anywhere are below `negAnywhere`, never asked here.
   */
  private _mayMatchBelow(c: ICompiled, comps: string[]): boolean {
    for (let k = 0; k < c.items.length; k++) {
      const it = c.items[k];
      if (it.kind !== 'glob' || k >= comps.length || it.spansSlash) {
        return true;
      }
      if (!wholeOf(it).test(comps[k])) {
        return false;
      }
    }
    // Every segment matched a folder above or at `comps`: the tail matches all below.
    return true;
  }

  /** Does rule `c` match every path below one of these folders (ancestors and the folder itself)? */
  private _covers(c: ICompiled, prefixes: string[]): boolean {
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
 * last segment of only `*`, the pattern minus that segment. Being pathspec's
 * own regex up to the tail, R holds for segments whose brackets match `/`
 * too.
 */
function coverRegexes(c: ICompiled): RegExp[] {
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
