/**
 * How the dialogs word the engine's numbers. Nothing here computes a
 * snapshot number: it only formats and translates what the engine found.
 *
 * A note on `trans._n`: JupyterLab's bundles pass `n` itself as `%1` and the
 * extra arguments from `%2` on, so counts that must be grouped ("1,546") are
 * passed again, formatted, as `%2`.
 */
import { PageConfig } from '@jupyterlab/coreutils';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { JunkReason, LineKind } from '../snapshot/advisor.js';
import type { CompanionReason } from '../snapshot/companions.js';
import { formatBytes, formatCount, visibleName } from '../snapshot/format.js';
import type { IReason, LimitKind } from '../snapshot/limits.js';
import type { ILimits, IWarning, Verdict } from '../snapshot/types.js';

/** "1 file" / "1,546 files". */
export function filesText(trans: TranslationBundle, n: number): string {
  return trans._n('%2 file', '%2 files', n, formatCount(n));
}

/** "134 files, 2.1 MB". */
export function filesAndBytes(
  trans: TranslationBundle,
  files: number,
  bytes: number
): string {
  return trans.__('%1, %2', filesText(trans, files), formatBytes(bytes));
}

/** How close a total is to one limit, as the engine judged it. */
export function levelOf(
  reasons: readonly IReason[],
  limit: LimitKind
): Verdict {
  const mine = reasons.filter(r => r.limit === limit);
  if (mine.some(r => r.level === 'over')) {
    return 'over';
  }
  return mine.length > 0 ? 'near' : 'ok';
}

/** The dialog title for a verdict. */
export function reportTitle(
  trans: TranslationBundle,
  verdict: Verdict
): string {
  switch (verdict) {
    case 'over':
      return trans.__('Snapshot over the limits');
    case 'near':
      return trans.__('Snapshot close to the limits');
    default:
      return trans.__('Snapshot within the limits');
  }
}

/** "over the limits" and its kin, after a total. */
export function verdictText(
  trans: TranslationBundle,
  verdict: Verdict
): string {
  switch (verdict) {
    case 'over':
      return trans.__('over the limits');
    case 'near':
      return trans.__('close to the limits');
    default:
      return trans.__('within the limits');
  }
}

/**
 * "511 MB in 1,546 files: over the 300 MB limit", worded from the engine's
 * reasons and limits (size, file count, both, near, empty, v2 warning).
 */
export function headlineText(
  trans: TranslationBundle,
  total: { files: number; bytes: number },
  limits: ILimits,
  reasons: readonly IReason[]
): string {
  const has = (limit: LimitKind, level: 'over' | 'near') =>
    reasons.some(r => r.limit === limit && r.level === level);
  if (has('empty', 'over')) {
    return trans.__(
      'No files to upload: Azure ML refuses an empty code folder'
    );
  }
  const clauses: string[] = [];
  const maxBytes = limits.maxBytes;
  const maxFiles = limits.maxFiles;
  for (const level of ['over', 'near'] as const) {
    const bytes = maxBytes !== null && has('bytes', level);
    const files = maxFiles !== null && has('files', level);
    const b = maxBytes === null ? '' : formatBytes(maxBytes);
    const f = maxFiles === null ? '' : formatCount(maxFiles);
    if (bytes && files) {
      clauses.push(
        level === 'over'
          ? trans.__('over the %1 and %2-file limits', b, f)
          : trans.__('close to the %1 and %2-file limits', b, f)
      );
    } else if (bytes) {
      clauses.push(
        level === 'over'
          ? trans.__('over the %1 limit', b)
          : trans.__('close to the %1 limit', b)
      );
    } else if (files) {
      clauses.push(
        level === 'over'
          ? trans.__('over the %1-file limit', f)
          : trans.__('close to the %1-file limit', f)
      );
    }
  }
  if (has('warn-bytes', 'near') && limits.warnBytes !== null) {
    clauses.push(
      trans.__(
        'above the %1 at which Azure ML warns about the upload',
        formatBytes(limits.warnBytes)
      )
    );
  }
  if (clauses.length === 0) {
    clauses.push(trans.__('within the limits'));
  }
  return trans.__(
    '%1 in %2: %3',
    formatBytes(total.bytes),
    filesText(trans, total.files),
    clauses.join(trans.__('; '))
  );
}

/** Which ignore file Azure ML reads for this folder. */
export function ruleSourceText(
  trans: TranslationBundle,
  ignoreFile: string | null
): string {
  if (ignoreFile === null) {
    return trans.__('No .amlignore or .gitignore: nothing is excluded');
  }
  if (ignoreFile === '.gitignore') {
    return trans.__('Rules from .gitignore; no .amlignore');
  }
  if (ignoreFile === '.amlignore') {
    return trans.__('Rules from .amlignore');
  }
  return trans.__('Rules from %1', ignoreFile);
}

/** A short label for the kind of a warning. */
export function warningKindText(
  trans: TranslationBundle,
  kind: IWarning['kind']
): string {
  switch (kind) {
    case 'unreadable':
      return trans.__('Cannot be read');
    case 'link-outside':
      return trans.__('Link leaves the folder');
    case 'link-loop':
      return trans.__('Link loop');
    case 'dangling-link':
      return trans.__('Broken link');
    case 'special-file':
      return trans.__('Special file');
    case 'ignore-file':
      return trans.__('Ignore file not used');
    default:
      return trans.__('Warning');
  }
}

/** Why a file goes along into a clean folder. */
export function companionReasonText(
  trans: TranslationBundle,
  reason: CompanionReason
): string {
  switch (reason) {
    case 'import':
      return trans.__('imported module');
    case 'path':
      return trans.__('path used in code');
    case 'environment':
      return trans.__('environment file');
    case 'config':
      return trans.__('Azure ML config');
    default:
      return '';
  }
}

/** What a proposed `.amlignore` line names. */
export function lineKindText(
  trans: TranslationBundle,
  kind: LineKind | 'user'
): string {
  switch (kind) {
    case 'junk':
      return trans.__('not needed by a job');
    case 'folder':
      return trans.__('folder');
    case 'type':
      return trans.__('file type');
    case 'file':
      return trans.__('file');
    default:
      return trans.__('your pattern');
  }
}

/** Why a known-junk line is likely not needed by a job. */
export function junkReasonText(
  trans: TranslationBundle,
  reason: JunkReason
): string {
  switch (reason) {
    case 'version-control':
      return trans.__('version control history');
    case 'environment':
      return trans.__(
        'a local environment; the job builds its own from the environment you give it'
      );
    case 'cache':
      return trans.__('a cache that tools rebuild');
    case 'checkpoints':
      return trans.__("Jupyter's autosaved copies of notebooks");
    case 'run-output':
      return trans.__(
        'left by a local run: Azure ML writes a job’s outputs and logs during the run and keeps them in the run’s history'
      );
    case 'azureml-state':
      return trans.__(
        'Azure ML’s settings for this machine (config.json is read here, when submitting, not by the job)'
      );
    case 'azureml-editor':
      return trans.__(
        'temporary files and checkpoints of Azure ML studio’s notebook editor'
      );
    case 'tool-output':
      return trans.__('run records of a local experiment tracker');
    default:
      return '';
  }
}

/**
 * Why a known-junk line was left unchecked. The advisor checks only what
 * the limits need; `.git/` in particular stays the user's call, because a
 * job that runs git (to log its commit, say) needs the history.
 */
export function optionalLineText(
  trans: TranslationBundle,
  pattern: string
): string {
  if (pattern === '.git/') {
    return trans.__(
      'unchecked: the limits are met without it, and a job that runs git (to log its commit, say) needs it'
    );
  }
  return trans.__('unchecked: the limits are met without it');
}

/**
 * A snapshot folder (server-relative, `''` for the root) named as the file
 * browser shows it: its path, or for the root the name of the server's root
 * folder (the file browser's tooltip on its root icon), with invisible
 * characters made visible.
 */
export function folderLabel(trans: TranslationBundle, folder: string): string {
  if (folder !== '') {
    return visibleName(folder);
  }
  const root = (PageConfig.getOption('serverRoot') || '').replace(/\/+$/, '');
  const name = root.slice(root.lastIndexOf('/') + 1);
  return name === '' || name === '~'
    ? trans.__('the server root')
    : visibleName(name);
}
