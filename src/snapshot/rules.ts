/**
 * Azure ML's ignore-rule semantics, per SDK: the façade over the ignore-file
 * reading (`ignore-file.ts`), pathspec's compiler in the SDK's dialect
 * (`pathspec/`), the rule index (`rule-index.ts`) and pruning (`prune.ts`).
 *
 * Both SDKs build pathspec `GitWildMatchPattern`s from the root ignore file
 * and, for one path, let the last matching pattern decide. This is not git: a
 * negation can bring back a file below an excluded folder (when the SDK's
 * walk looks there at all, see `sdk-model.ts`), leading blanks are stripped
 * too, and a few pathspec quirks (bracket expressions, `\` before `/`, `$`
 * before a final newline) differ from git's wildmatch.
 *
 * - azureml-core (v1) pins `pathspec<1.0.0`: pathspec 0.12.1, fed the raw
 *   lines.
 * - azure-ai-ml (v2, 1.4 and later) right-strips each line and uses its
 *   vendored pathspec 0.10.1.
 *
 * Matching runs on the `ignore` package (git semantics) wherever a pattern
 * means the same thing under both, with our own code around it for what
 * differs; paths whose names hold a newline or a character outside the BMP
 * go through a regex translated the way pathspec translates the pattern.
 */
import {
  parseText,
  type ICompiled,
  type IRule,
  type IRuleDecision
} from './pathspec/compile.js';
import type { IPathspecDialect } from './pathspec/dialect.js';
import { PATHSPEC_0_10 } from './pathspec/pathspec-0.10.js';
import { PATHSPEC_0_12 } from './pathspec/pathspec-0.12.js';
import { FolderPlans } from './folder-plan.js';
import { joinPath } from './paths.js';
import { Pruner } from './prune.js';
import { NEEDS_EXACT, RuleIndex } from './rule-index.js';
import type { Sdk } from './types.js';

export {
  chooseIgnoreFile,
  decodeIgnoreFile,
  IgnoreFileError,
  MAX_IGNORE_FILE_BYTES,
  type IgnoreFileName
} from './ignore-file.js';
export { isStrippedBlank } from './pathspec/compile.js';
export type { IRule, IRuleDecision } from './pathspec/compile.js';

/** The pathspec dialect each SDK matches with. */
export function dialectOf(sdk: Sdk): IPathspecDialect {
  return sdk === 'v2' ? PATHSPEC_0_10 : PATHSPEC_0_12;
}

export class RuleSet {
  /**
   * Above this many non-literal rules, rules with a bucket are found by
   * lookup rather than matched in turn (tests set 0 to cover that path).
   */
  static bucketAbove = 200;

  readonly source: string | null;
  readonly sdk: Sdk;
  readonly rules: readonly IRule[];

  private readonly _texts: Array<{ text: string; source: string }>;
  private readonly _index: RuleIndex;
  private readonly _pruner: Pruner;
  private readonly _plans: FolderPlans;

  private constructor(
    source: string | null,
    texts: Array<{ text: string; source: string }>,
    sdk: Sdk
  ) {
    this.source = source;
    this.sdk = sdk;
    this._texts = texts;
    const dialect = dialectOf(sdk);
    const rules: IRule[] = [];
    const compiled: ICompiled[] = [];
    for (const t of texts) {
      const parsed = parseText(t.text, t.source, dialect);
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
    this._index = new RuleIndex(this.rules, compiled, RuleSet.bucketAbove);
    this._pruner = new Pruner(this._index);
    this._plans = new FolderPlans(compiled, NEEDS_EXACT);
  }

  /**
   * The rules of an ignore file's text as `sdk` reads them (default v1).
   * Throws `IgnoreFileError` naming the line when the SDK rejects a pattern.
   */
  static parse(text: string, source: string | null, sdk: Sdk = 'v1'): RuleSet {
    return new RuleSet(source, source === null ? [] : [{ text, source }], sdk);
  }

  /**
   * A new set: these rules followed by extra lines (the advisor's preview),
   * labelled `source`; their line numbers count within `text`.
   */
  extend(text: string, source: string): RuleSet {
    return new RuleSet(
      this.source ?? source,
      [...this._texts, { text, source }],
      this.sdk
    );
  }

  /**
   * Is the entry at `path` (relative to the root, `/`-separated, a folder
   * without trailing slash) matched out by the last matching rule?
   */
  excludes(path: string): boolean {
    return this._index.excludes(path);
  }

  /**
   * `excludes(joinPath(dir, name))` for a file `name` in folder `dir`:
   * faster over many files of the same folders (see `folder-plan.ts`).
   */
  excludesIn(dir: string, name: string): boolean {
    return (
      this._plans.excludes(dir, name) ??
      this._index.excludes(joinPath(dir, name))
    );
  }

  /** Same as `excludes`, with the rule that decided it. */
  decide(path: string): IRuleDecision {
    return this._index.decide(path);
  }

  /**
   * May a walk skip folder `dir` (relative, no trailing slash) unread?
   * True only when a rule matches every path below `dir` and no later
   * negation can match anything there. One case is beyond it: pathspec's
   * `.` does not match a newline, so a file whose name below `dir` holds one
   * escapes even `dir/`; such names are assumed absent.
   */
  canPrune(dir: string): boolean {
    return this._pruner.canPrune(dir);
  }
}
