/**
 * Matching the files of one folder: for a given folder, each rule either
 * matches every name in it, matches none, or depends on the name alone. A
 * folder's plan keeps the rules that can still decide, last first, and
 * stops at the last one that matches every name; a file is then a few
 * tests on its name (mostly string ones) instead of every rule on its whole
 * path.
 */
import type { ICompiled, IGlob } from './pathspec/compile.js';

/**
 * Rules of one polarity tried on a name (steps go last rule first: the
 * first step that matches decides).
 */
interface IStep {
  negated: boolean;
  /** A rule matches every name in the folder. */
  every: boolean;
  /** Literal globs: these names exactly. */
  names: Set<string>;
  /** Globs `*` + literal text (`*.log`): names ending so, a string test. */
  suffixes: string[];
  /** The other globs, joined into one regex; null when there are none. */
  re: RegExp | null;
}

function stepMatches(step: IStep, name: string): boolean {
  if (step.every || step.names.has(name)) {
    return true;
  }
  for (const suffix of step.suffixes) {
    if (name.endsWith(suffix)) {
      return true;
    }
  }
  return step.re !== null && step.re.test(name);
}

/** `*` + literal text: the text, else null. */
function suffixOf(g: IGlob): string | null {
  const [first, ...rest] = g.tokens;
  if (first?.t !== 'star' || rest.length === 0) {
    return null;
  }
  let text = '';
  for (const t of rest) {
    if (t.t !== 'lit') {
      return null;
    }
    text += t.c;
  }
  return text;
}

/**
 * Above this many rules a plan costs more to build than it saves: such
 * files go through the rule index (its buckets are made for them).
 */
const MAX_RULES = 200;

export class FolderPlans {
  private readonly _plans = new Map<string, IStep[] | null>();
  /** Steps by their globs: most folders share theirs (one regex each). */
  private readonly _steps = new Map<string, IStep>();
  private readonly _usable: boolean;

  /**
   * `compiled`: the rules in order; `needsExact`: paths the plans must not
   * see (the caller matches them its own way).
   */
  constructor(
    private readonly _compiled: readonly ICompiled[],
    private readonly _needsExact: RegExp
  ) {
    this._usable = _compiled.length <= MAX_RULES;
  }

  /**
   * Does the last rule matching `dir/name` exclude it? Undefined when this
   * folder or name has no plan; the caller then matches the whole path.
   */
  excludes(dir: string, name: string): boolean | undefined {
    let plan = this._plans.get(dir);
    if (plan === undefined) {
      plan = this._usable ? this._build(dir) : null;
      this._plans.set(dir, plan);
    }
    if (plan === null || this._needsExact.test(name)) {
      return undefined;
    }
    for (const step of plan) {
      if (stepMatches(step, name)) {
        return !step.negated;
      }
    }
    return false;
  }

  private _build(dir: string): IStep[] | null {
    if (this._needsExact.test(dir)) {
      return null;
    }
    const comps = dir === '' ? [] : dir.split('/');
    if (comps.includes('')) {
      return null;
    }
    // Name tests of one polarity in a row, last rule first: one step, as
    // any of them matching gives the same answer.
    const steps: IStep[] = [];
    let run: { negated: boolean; globs: IGlob[] } | null = null;
    const flush = () => {
      if (run) {
        steps.push(this._step(run.negated, run.globs));
        run = null;
      }
    };
    for (let k = this._compiled.length - 1; k >= 0; k--) {
      const c = this._compiled[k];
      const fit = fitOf(c, comps);
      if (fit === undefined) {
        return null;
      }
      if (fit === 'none') {
        continue;
      }
      if (fit === 'every') {
        flush();
        steps.push(this._step(c.negated, [], true));
        return steps;
      }
      if (run && run.negated !== c.negated) {
        flush();
      }
      run ??= { negated: c.negated, globs: [] };
      run.globs.push(fit);
    }
    flush();
    return steps;
  }

  private _step(negated: boolean, globs: IGlob[], every = false): IStep {
    const key = `${negated}${every}\0${globs.map(g => g.re).join('\0')}`;
    let step = this._steps.get(key);
    if (!step) {
      step = { negated, every, names: new Set(), suffixes: [], re: null };
      const sources: string[] = [];
      for (const g of globs) {
        const suffix = suffixOf(g);
        if (g.literal !== null) {
          step.names.add(g.literal);
        } else if (suffix !== null) {
          step.suffixes.push(suffix);
        } else {
          sources.push(g.re);
        }
      }
      if (sources.length > 0) {
        step.re = new RegExp(`^(?:${sources.join('|')})$`, 'u');
      }
      this._steps.set(key, step);
    }
    return step;
  }
}

/**
 * How rule `c` matches the names in folder `comps`: every name, none, or
 * those the glob matches; undefined for shapes not worked out here (a `**`
 * between segments, a bracket that could match `/`).
 *
 * pathspec's regex is `^(?:.+/)?G1/…/Gk(?:/.*)?$` (the head only when
 * unanchored; `/.*` without `?` when the pattern ends in `/`). No segment
 * regex can match `/` inside a name, so a window of k path components
 * must match G1…Gk; a window inside the folder's own path matches every
 * name, one that ends at the name depends on it.
 */
function fitOf(
  c: ICompiled,
  comps: string[]
): 'every' | 'none' | IGlob | undefined {
  if (c.never) {
    return 'none';
  }
  if (c.all) {
    return 'every';
  }
  if (c.override) {
    // `**/`: every path holding a slash.
    return comps.length > 0 ? 'every' : 'none';
  }
  const globs: IGlob[] = [];
  for (const it of c.items) {
    if (it.kind === 'mid' || (it.kind === 'glob' && it.spansSlash)) {
      return undefined;
    }
    if (it.kind === 'glob') {
      globs.push(it);
    }
  }
  // At least one: a rule without a glob is `**` (all) or never matches.
  const k = globs.length;
  const m = comps.length;
  const lastStart = c.unanchored ? m - k : Math.min(0, m - k);
  for (let j = 0; j <= lastStart; j++) {
    if (windowMatches(globs, comps, j, k)) {
      return 'every';
    }
  }
  const endsInName = c.items[c.items.length - 1].kind === 'glob';
  const j = m + 1 - k;
  if (endsInName && j >= 0 && (c.unanchored || j === 0)) {
    if (windowMatches(globs, comps, j, k - 1)) {
      return globs[k - 1];
    }
  }
  return 'none';
}

/** Do `globs[0..count)` match `comps[from..from+count)` segment by segment? */
function windowMatches(
  globs: IGlob[],
  comps: string[],
  from: number,
  count: number
): boolean {
  for (let i = 0; i < count; i++) {
    if (!wholeOf(globs[i]).test(comps[from + i])) {
      return false;
    }
  }
  return true;
}

/** The segment's regex on a whole name (shared with pruning, made once). */
export function wholeOf(g: IGlob): RegExp {
  if (!g.whole) {
    g.whole = new RegExp(`^${g.re}$`, 'u');
  }
  return g.whole;
}
