import { account, type ISnapshotReport } from './accounting.js';
import {
  chooseIgnoreFile,
  decodeIgnoreFile,
  RuleSet,
  type IgnoreFileName
} from './rules.js';
import { walk } from './walk.js';
import type { IFileRecord, IFileSystem, ILimits, IWarning } from './types.js';

export interface IScanOptions {
  /** Skip folders whose every file is excluded (default true). */
  prune?: boolean;
  rootId?: string;
  onProgress?(filesSeen: number): void;
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
  files: IFileRecord[];
  prunedFolders: string[];
  warnings: IWarning[];
}

/** Read the root's ignore file and walk the folder as Azure ML would. */
export async function scanFolder(
  fs: IFileSystem,
  options: IScanOptions = {}
): Promise<IScan> {
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
    ignoreText = decodeIgnoreFile(await fs.read(ignoreFile), ignoreFile);
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
  const rules = RuleSet.parse(ignoreText ?? '', ignoreFile);
  const prune = options.prune ?? true;
  const result = await walk(fs, {
    rootEntries,
    rootId: options.rootId,
    prune: prune ? dir => rules.canPrune(dir) : undefined,
    onProgress: options.onProgress,
    signal: options.signal
  });
  return {
    ignoreFile,
    ignoreText,
    hasAmlignore: names.includes('.amlignore'),
    rules,
    files: result.files,
    prunedFolders: result.pruned,
    warnings: [...warnings, ...result.warnings]
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
    prunedFolders: scan.prunedFolders,
    warnings: scan.warnings,
    rules,
    limits
  });
}
