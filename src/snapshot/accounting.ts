import { formatBytes } from './format.js';
import { judge, type IReason } from './limits.js';
import { compareUtf8, extensionOf, sortByPath } from './paths.js';
import type { IRule, RuleSet } from './rules.js';
import {
  FolderBlocker,
  sdkFailures,
  sdkFiles,
  type ISdkFiles
} from './sdk-model.js';
import type {
  IDeadLine,
  IFailure,
  IFileRecord,
  ILimits,
  ISpecialRecord,
  IWarning,
  Sdk,
  Verdict
} from './types.js';

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

/** What the SDK would upload, and what the ignore file kept out. */
export interface ISnapshotReport extends ITally {
  ignoreFile: string | null;
  /** Which SDK the figures are for, and why that one. */
  sdk: Sdk;
  profileReason: string;
  limits: ILimits;
  verdict: Verdict;
  reasons: IReason[];
  /** The upload list, sorted by UTF-8 bytes (`files` is its count). */
  included: IFileRecord[];
  /** Bytes of the upload list. */
  uploadBytes: number;
  /** What the SDK compares with its byte limit (v1: its size check). */
  totalBytes: number;
  excluded: ITally & {
    /** Folders skipped unread: every file inside is excluded. */
    prunedFolders: string[];
  };
  /** The root's children, biggest first. */
  top: IContributor[];
  /** Per file type, biggest first. */
  types: ITypeTally[];
  warnings: IWarning[];
  /** What makes the SDK fail before it uploads anything. */
  failures: IFailure[];
  /** Lines of the ignore file that have no effect under this SDK. */
  deadLines: IDeadLine[];
  /**
   * False when the rules could bring back files from a folder that the scan
   * skipped unread (only possible after rules were changed), or when the
   * walk stopped repeating folders reached through links.
   */
  complete: boolean;
}

export interface IReportInput {
  files: readonly IFileRecord[];
  specials?: readonly ISpecialRecord[];
  prunedFolders: readonly string[];
  skippedLinks?: readonly string[];
  warnings: readonly IWarning[];
  rules: RuleSet;
  limits: ILimits;
  profileReason?: string;
  /** The ignore file's text, to find lines made dead by a byte-order mark. */
  ignoreText?: string | null;
  walkComplete?: boolean;
}

/** Apply the SDK's walks to the files a scan saw and sum up the result. */
export function account(input: IReportInput): ISnapshotReport {
  const { rules, limits } = input;
  const view = sdkFiles(input.files, rules);
  const included = sortByPath(view.included);
  const { failures, warnings: sdkWarnings } = sdkFailures(
    input.specials ?? [],
    view.unreadable,
    rules
  );
  const { verdict, reasons } = judge(included.length, view.totalBytes, limits);
  if (failures.length > 0) {
    reasons.unshift({ limit: 'sdk-error', level: 'over' });
  }
  const dead = deadLines(rules, view, included, input.ignoreText ?? null);
  const blocker = new FolderBlocker(rules);
  const complete =
    (input.walkComplete ?? true) &&
    input.prunedFolders.every(dir => rules.canPrune(dir)) &&
    (input.skippedLinks ?? []).every(
      dir => rules.sdk === 'v1' && blocker.of(dir) !== null
    );
  return {
    files: included.length,
    bytes: view.totalBytes,
    ignoreFile: rules.source,
    sdk: rules.sdk,
    profileReason: input.profileReason ?? '',
    limits,
    verdict: failures.length > 0 ? 'over' : verdict,
    reasons,
    included,
    uploadBytes: view.uploadBytes,
    totalBytes: view.totalBytes,
    excluded: {
      files: view.excludedFiles,
      bytes: view.excludedBytes,
      prunedFolders: [...input.prunedFolders].sort(compareUtf8)
    },
    top: childrenOf(included, ''),
    types: byType(included),
    warnings: [
      ...input.warnings,
      ...sdkWarnings,
      ...disagreements(rules, view)
    ],
    failures,
    deadLines: dead.lines,
    complete
  };
}

/**
 * v1's two walks disagree when a negation brings back files inside a folder
 * that the upload walk never enters: the size check counts them, the upload
 * leaves them out. One warning per such folder.
 */
function disagreements(rules: RuleSet, view: ISdkFiles): IWarning[] {
  const byFolder = new Map<string, { bytes: number; files: IFileRecord[] }>();
  for (const { file, folder } of view.hidden) {
    let g = byFolder.get(folder);
    if (!g) {
      g = { bytes: 0, files: [] };
      byFolder.set(folder, g);
    }
    g.bytes += file.size;
    g.files.push(file);
  }
  const out: IWarning[] = [];
  for (const [folder, g] of [...byFolder].sort((a, b) =>
    compareUtf8(a[0], b[0])
  )) {
    const shut = rules.decide(folder).rule;
    const negations = new Map<number, IRule>();
    for (const f of g.files) {
      const r = rules.decide(f.path).rule;
      if (r && r.negated) {
        negations.set(r.line, r);
      }
    }
    const neg = [...negations.values()].sort((a, b) => a.line - b.line);
    out.push({
      kind: 'walks-disagree',
      path: folder,
      message:
        `azureml-core counts ${formatBytes(g.bytes)} of \`${folder}/\` toward the limit but uploads none of it` +
        (shut ? `: ${lineRef(shut)} excludes the folder` : '') +
        (neg.length > 0
          ? `, so ${neg.map(lineRef).join(' and ')} ${neg.length === 1 ? 'is' : 'are'} never reached.`
          : '.')
    });
  }
  return out;
}

/** `line 2 \`!data/keep.csv\`` */
export function lineRef(rule: IRule): string {
  return `line ${rule.line} \`${rule.text.trim()}\``;
}

/**
 * Lines with no effect under the SDK: under v1, negations whose every match
 * lies in a folder the upload walk never enters, and a first line that a
 * byte-order mark turned into a pattern that matches nothing.
 */
function deadLines(
  rules: RuleSet,
  view: ISdkFiles,
  included: readonly IFileRecord[],
  ignoreText: string | null
): { lines: IDeadLine[] } {
  const lines: IDeadLine[] = [];
  if (rules.sdk !== 'v1') {
    return { lines };
  }
  const first = rules.rules[0];
  if (
    ignoreText !== null &&
    ignoreText.startsWith('\ufeff') &&
    first &&
    first.line === 1 &&
    first.source === rules.source
  ) {
    lines.push({
      source: first.source,
      line: 1,
      text: first.text.replace(/^\ufeff/, ''),
      reason:
        'the file starts with a byte-order mark, which azureml-core reads as part of this first pattern, so it matches nothing (azure-ai-ml drops the mark); save the file as UTF-8 without BOM'
    });
  }
  const candidates = new Map<number, { rule: IRule; folder: string }>();
  for (const { file, folder } of view.hidden) {
    const r = rules.decide(file.path).rule;
    if (r && r.negated && !candidates.has(r.line)) {
      candidates.set(r.line, { rule: r, folder });
    }
  }
  if (candidates.size > 0) {
    for (const f of included) {
      const r = rules.decide(f.path).rule;
      if (r && r.negated) {
        candidates.delete(r.line);
      }
    }
  }
  for (const { rule, folder } of [...candidates.values()].sort(
    (a, b) => a.rule.line - b.rule.line
  )) {
    const shut = rules.decide(folder).rule;
    lines.push({
      source: rule.source,
      line: rule.line,
      text: rule.text,
      reason: `it only matches inside \`${folder}/\`, which ${shut ? lineRef(shut) : 'an earlier line'} excludes, and azureml-core never looks inside an excluded folder`
    });
  }
  return { lines };
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
