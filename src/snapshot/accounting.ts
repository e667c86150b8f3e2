import { judge, type IReason } from './limits.js';
import { compareUtf8, extensionOf } from './paths.js';
import type { RuleSet } from './rules.js';
import type { IFileRecord, ILimits, IWarning, Verdict } from './types.js';

/** Files and bytes of some group of files. */
export interface ITally {
  files: number;
  bytes: number;
}

/** One bar of "where the bulk is": a folder or a file. */
export interface IContributor extends ITally {
  /** Root-relative path; folders have no trailing slash. */
  path: string;
  kind: 'dir' | 'file';
}

/** Files and bytes of one file type (extension, `''` for none). */
export interface ITypeTally extends ITally {
  extension: string;
}

/** What Azure ML would upload, and what the ignore file kept out. */
export interface ISnapshotReport extends ITally {
  ignoreFile: string | null;
  limits: ILimits;
  verdict: Verdict;
  reasons: IReason[];
  /** The upload list, sorted by UTF-8 bytes. */
  included: IFileRecord[];
  excluded: ITally & {
    /** Folders skipped unread: every file inside is excluded. */
    prunedFolders: string[];
  };
  /** The root's children, biggest first. */
  top: IContributor[];
  /** Per file type, biggest first. */
  types: ITypeTally[];
  warnings: IWarning[];
  /**
   * False when the rules could bring back files from a folder that the scan
   * skipped unread (only possible after rules were changed).
   */
  complete: boolean;
}

export interface IReportInput {
  files: readonly IFileRecord[];
  prunedFolders: readonly string[];
  warnings: readonly IWarning[];
  rules: RuleSet;
  limits: ILimits;
}

/** Apply the rules to the files a scan saw and sum up the result. */
export function account(input: IReportInput): ISnapshotReport {
  const { rules, limits } = input;
  const included: IFileRecord[] = [];
  let excludedFiles = 0;
  let excludedBytes = 0;
  for (const file of input.files) {
    if (rules.excludes(file.path)) {
      excludedFiles++;
      excludedBytes += file.size;
    } else {
      included.push(file);
    }
  }
  included.sort((a, b) => compareUtf8(a.path, b.path));
  const total = tally(included);
  const { verdict, reasons } = judge(total.files, total.bytes, limits);
  return {
    ...total,
    ignoreFile: rules.source,
    limits,
    verdict,
    reasons,
    included,
    excluded: {
      files: excludedFiles,
      bytes: excludedBytes,
      prunedFolders: [...input.prunedFolders].sort(compareUtf8)
    },
    top: childrenOf(included, ''),
    types: byType(included),
    warnings: [...input.warnings],
    complete: input.prunedFolders.every(dir => rules.canPrune(dir))
  };
}

export function tally(files: readonly IFileRecord[]): ITally {
  let bytes = 0;
  for (const f of files) {
    bytes += f.size;
  }
  return { files: files.length, bytes };
}

/**
 * The direct children of folder `dir` (`''` for the root) with what each
 * holds, biggest first: the bars of the report and what a click on one shows.
 */
export function childrenOf(
  files: readonly IFileRecord[],
  dir: string
): IContributor[] {
  const prefix = dir === '' ? '' : `${dir}/`;
  const groups = new Map<string, IContributor>();
  for (const f of files) {
    if (!f.path.startsWith(prefix)) {
      continue;
    }
    const rest = f.path.slice(prefix.length);
    const slash = rest.indexOf('/');
    const name = slash < 0 ? rest : rest.slice(0, slash);
    const path = prefix + name;
    let g = groups.get(path);
    if (!g) {
      g = { path, kind: slash < 0 ? 'file' : 'dir', files: 0, bytes: 0 };
      groups.set(path, g);
    }
    g.files++;
    g.bytes += f.size;
  }
  return [...groups.values()].sort(bySize);
}

/** Per-extension tallies, biggest first. */
export function byType(files: readonly IFileRecord[]): ITypeTally[] {
  const groups = new Map<string, ITypeTally>();
  for (const f of files) {
    const extension = extensionOf(f.path);
    let g = groups.get(extension);
    if (!g) {
      g = { extension, files: 0, bytes: 0 };
      groups.set(extension, g);
    }
    g.files++;
    g.bytes += f.size;
  }
  return [...groups.values()].sort(bySize);
}

/** Every folder (at any depth) with the files it holds, recursively. */
export function byFolder(files: readonly IFileRecord[]): Map<string, ITally> {
  const folders = new Map<string, ITally>();
  for (const f of files) {
    let i = f.path.indexOf('/');
    while (i >= 0) {
      const dir = f.path.slice(0, i);
      const t = folders.get(dir);
      if (t) {
        t.files++;
        t.bytes += f.size;
      } else {
        folders.set(dir, { files: 1, bytes: f.size });
      }
      i = f.path.indexOf('/', i + 1);
    }
  }
  return folders;
}

function bySize(a: ITally & { path?: string }, b: ITally & { path?: string }) {
  return b.bytes - a.bytes || b.files - a.files;
}
