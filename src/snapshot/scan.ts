import { account, type ISnapshotReport } from './accounting.js';
import {
  chooseIgnoreFile,
  decodeIgnoreFile,
  RuleSet,
  type IgnoreFileName
} from './rules.js';
import { sdkFiles } from './sdk-model.js';
import type { ISurelyCounted } from './limits.js';
import { walk } from './walk.js';
import type {
  IFileRecord,
  IFileSystem,
  ILimits,
  ISpecialRecord,
  IWarning,
  Sdk
} from './types.js';

export interface IScanOptions {
  /** Whose walks and matcher to model (default v1, the strict one). */
  sdk?: Sdk;
  /** Why this SDK (shown in the report). */
  profileReason?: string;
  /** Skip folders whose every file is excluded (default true). */
  prune?: boolean;
  rootId?: string;
  onProgress?(filesSeen: number): void;
  /**
   * While the walk runs, now and then: what `sdk` surely counts among the
   * files seen so far (see `surelyCounted`), for "over" before the totals.
   */
  lowerBound?: { sdk: Sdk; onCounted(counted: ISurelyCounted): void };
  signal?: AbortSignal;
}

/**
 * What one pass over a folder saw. Reports are computed from it, also for
 * changed rules (the live preview), without reading the disk again.
 */
export interface IScan {
  ignoreFile: IgnoreFileName | null;
  /** The ignore file's text as read, to detect later changes. */
  ignoreText: string | null;
  /** True when the root has an `.amlignore` (even when `.gitignore` also exists). */
  hasAmlignore: boolean;
  rules: RuleSet;
  sdk: Sdk;
  profileReason: string;
  files: IFileRecord[];
  specials: ISpecialRecord[];
  prunedFolders: string[];
  skippedLinks: string[];
  warnings: IWarning[];
  /** False when the walk stopped repeating folders reached through links. */
  walkComplete: boolean;
}

/** Read the root's ignore file and walk the folder as Azure ML would. */
export async function scanFolder(
  fs: IFileSystem,
  options: IScanOptions = {}
): Promise<IScan> {
  const sdk = options.sdk ?? 'v1';
  const rootEntries = await fs.list('');
  const warnings: IWarning[] = [];
  const names = rootEntries
    .filter(e => e.kind === 'file' && e.error === undefined)
    .map(e => e.name);
  const ignoreFile = chooseIgnoreFile(names);
  let ignoreText: string | null = null;
  if (ignoreFile) {
    // An unreadable or undecodable ignore file stops the check: guessing
    // its rules could pass a folder that Azure ML then refuses.
    ignoreText = decodeIgnoreFile(await fs.read(ignoreFile), ignoreFile, sdk);
  }
  for (const name of ['.amlignore', '.gitignore']) {
    const e = rootEntries.find(x => x.name === name);
    if (e && e.kind !== 'file') {
      warnings.push({
        kind: 'ignore-file',
        path: name,
        message: `${name} is not a readable file, so Azure ML does not use it`
      });
    }
  }
  const rules = RuleSet.parse(ignoreText ?? '', ignoreFile, sdk);
  const prune = options.prune ?? true;
  const bound = options.lowerBound;
  // The rules the report will read the scan with (rescope), known now:
  // only the root's ignore file applies, and it has been read.
  const boundRules = bound
    ? rulesAs({ ignoreText, ignoreFile, sdk, rules }, bound.sdk)
    : null;
  let counted: ISurelyCounted = { files: 0, bytes: 0 };
  let countedUpTo = 0;
  const result = await walk(fs, {
    rootEntries,
    rootId: options.rootId,
    prune: prune ? dir => rules.canPrune(dir) : undefined,
    excludesV1:
      prune && sdk === 'v1' ? path => rules.excludes(path) : undefined,
    // A bound after each folder: the listing may come slowly (streamed).
    progressEvery: bound ? 1 : undefined,
    onProgress: (n, files) => {
      options.onProgress?.(n);
      if (bound && boundRules) {
        counted = surelyCounted(files, countedUpTo, boundRules, counted);
        countedUpTo = files.length;
        bound.onCounted(counted);
      }
    },
    signal: options.signal
  });
  return {
    ignoreFile,
    ignoreText,
    hasAmlignore: names.includes('.amlignore'),
    rules,
    sdk,
    profileReason: options.profileReason ?? '',
    files: result.files,
    specials: result.specials,
    prunedFolders: result.pruned,
    skippedLinks: result.skippedLinks,
    warnings: [...warnings, ...result.warnings],
    walkComplete: result.complete
  };
}

/** The report for a scan under its own rules, or under other rules. */
export function reportOf(
  scan: IScan,
  limits: ILimits,
  rules: RuleSet = scan.rules
): ISnapshotReport {
  return account({
    files: scan.files,
    specials: scan.specials,
    prunedFolders: scan.prunedFolders,
    skippedLinks: scan.skippedLinks,
    warnings: scan.warnings,
    rules,
    limits,
    profileReason: scan.profileReason,
    ignoreText: scan.ignoreText,
    walkComplete: scan.walkComplete
  });
}

/**
 * The same scan read as another SDK reads it: the rules re-parsed in that
 * SDK's dialect (v2 drops a byte-order mark). The files stay; folders the
 * walk skipped are checked again by the report (`complete`).
 */
export function rescope(scan: IScan, sdk: Sdk, profileReason: string): IScan {
  if (sdk === scan.sdk) {
    return { ...scan, profileReason };
  }
  return { ...scan, sdk, profileReason, rules: rulesAs(scan, sdk) };
}

/** A scan's ignore file in the dialect of `sdk` (v2 drops a byte-order mark). */
function rulesAs(
  scan: Pick<IScan, 'ignoreText' | 'ignoreFile' | 'sdk' | 'rules'>,
  sdk: Sdk
): RuleSet {
  if (sdk === scan.sdk) {
    return scan.rules;
  }
  const text =
    sdk === 'v2'
      ? (scan.ignoreText ?? '').replace(/^\ufeff/, '')
      : (scan.ignoreText ?? '');
  return RuleSet.parse(text, scan.ignoreFile, sdk);
}

/**
 * `counted` plus what the SDK of `rules` counts among `files` from index
 * `from` on: the upload list's files and the bytes it checks (sdkFiles).
 * A lower bound of the report's figures while a walk runs: its files so
 * far are a prefix of the final list, and each file counts or not on its
 * own (its path, the rules, its flags), never by the files after it.
 */
export function surelyCounted(
  files: readonly IFileRecord[],
  from: number,
  rules: RuleSet,
  counted: ISurelyCounted
): ISurelyCounted {
  if (from >= files.length) {
    return counted;
  }
  const view = sdkFiles(files.slice(from), rules);
  return {
    files: counted.files + view.included.length,
    bytes: counted.bytes + view.totalBytes
  };
}
