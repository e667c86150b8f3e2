import { byFolder, tally, type ITally } from './accounting.js';
import { composeAmlignore } from './amlignore.js';
import {
  AZUREML_CONFIG,
  ENVIRONMENT_FILES,
  findCompanions,
  type ICompanion
} from './companions.js';
import { escapePattern } from './escape.js';
import { judge } from './limits.js';
import { baseName, isInside, parentOf, sortByPath } from './paths.js';
import { RuleSet } from './rules.js';
import type { IScan } from './scan.js';
import { sdkFiles } from './sdk-model.js';
import type { IFileRecord, ILimits, Verdict } from './types.js';

/** Why a line is offered as likely junk; the dialog words it. */
export type JunkReason =
  | 'version-control'
  | 'environment'
  | 'cache'
  | 'checkpoints'
  | 'run-output'
  | 'azureml-state'
  | 'azureml-editor'
  | 'tool-output';

/** Folders that are never part of a job's code, wherever they are. */
const JUNK_ANYWHERE: ReadonlyMap<string, JunkReason> = new Map([
  ['.git', 'version-control'],
  ['.venv', 'environment'],
  ['node_modules', 'environment'],
  ['__pycache__', 'cache'],
  ['.ipynb_checkpoints', 'checkpoints'],
  // Azure ML studio's notebook editor keeps its checkpoints here.
  ['.ipynb_aml_checkpoints', 'azureml-editor'],
  ['.mypy_cache', 'cache'],
  ['.pytest_cache', 'cache'],
  ['.ruff_cache', 'cache'],
  ['.tox', 'environment']
]);
/**
 * Run products: junk at the snapshot root (elsewhere they may be code).
 * `outputs` and `logs` are written during a run and uploaded to run history
 * (spec section 6): copies a local run left behind join the next snapshot.
 */
const JUNK_AT_ROOT: ReadonlyMap<string, JunkReason> = new Map([
  ['outputs', 'run-output'],
  ['logs', 'run-output'],
  ['azureml-logs', 'run-output'],
  ['azureml-setup', 'run-output'],
  ['.azureml-outputs', 'run-output'],
  // Azure ML's local state (config.json, run configurations): read on this
  // machine, never by the job. In v1's default .amlignore template.
  ['.azureml', 'azureml-state'],
  ['mlruns', 'tool-output'],
  ['wandb', 'tool-output'],
  ['lightning_logs', 'tool-output']
]);
/** Temporary files of Azure ML studio's notebook editor, anywhere. */
const JUNK_EXTENSIONS: ReadonlyMap<string, JunkReason> = new Map([
  ['.amltmp', 'azureml-editor'],
  ['.amltemp', 'azureml-editor']
]);
/** Names of virtual environments, junk only when they hold `pyvenv.cfg`. */
const VENV_NAMES = ['venv', 'env', '.env'];
/** Files a job needs even though they are not code. */
const CONFIG_NAMES = new Set([
  ...ENVIRONMENT_FILES,
  AZUREML_CONFIG,
  'setup.py',
  'setup.cfg',
  'pyproject.toml',
  'MLproject',
  'Dockerfile'
]);
const CODE_EXTENSIONS = ['.py', '.ipynb'];
const CONFIG_EXTENSIONS = ['.json', '.yml', '.yaml', '.toml', '.cfg', '.ini'];
const SMALL_CONFIG_BYTES = 64 * 1024;

export interface IAdviceOptions {
  /** The notebook being submitted (root-relative): never excluded. */
  notebook?: string;
  /** Keep `*.py`, `*.ipynb` and small config files (default true). */
  keepCode?: boolean;
}

export type LineKind = 'junk' | 'folder' | 'type' | 'file';

export interface IProposedLine extends ITally {
  /** The `.amlignore` line, escaped to match exactly what it names. */
  pattern: string;
  kind: LineKind;
  /** What the line names: a folder, a file or an extension. */
  label: string;
  /** Part of the smallest change; unchecked lines are optional extras. */
  checked: boolean;
  /** For known junk: why it is likely not needed by a job. */
  reason?: JunkReason;
}

export interface ITotals extends ITally {
  verdict: Verdict;
}

export interface IProposal {
  /** False when the snapshot is already comfortably within the limits. */
  needed: boolean;
  lines: IProposedLine[];
  /** The `.gitignore` lines carried over into a new `.amlignore`, if any. */
  carriedFrom: '.gitignore' | null;
  target: { bytes: number | null; files: number | null };
  before: ITotals;
  /** Totals with the checked lines, computed by the engine from the rules. */
  after: ITotals;
  reachesTarget: boolean;
}

interface ICandidate {
  pattern: string;
  kind: LineKind;
  label: string;
  reason?: JunkReason;
  /** Indices into the included files that the line removes. */
  members: number[];
}

/**
 * Propose `.amlignore` lines that bring the snapshot below the "near" mark
 * of its limits with the smallest change: known junk first, then the
 * biggest folders, file types and files, never touching the notebook or
 * (unless told) code and small config files. Lines that turn out not to be
 * needed are kept as unchecked suggestions.
 */
export function propose(
  scan: IScan,
  limits: ILimits,
  options: IAdviceOptions = {}
): IProposal {
  const current = previewRules(scan, []);
  // The SDK's own upload list and byte figure (v1: its size check), so the
  // totals follow the SDK. Lines are only ever exclusions: none relies on a
  // negation, which azureml-core cannot honour inside an excluded folder.
  const view = sdkFiles(scan.files, current);
  const included = view.included;
  const before = totals(scan.files, current, limits);
  const target = targetOf(limits);
  const keep = protectedFiles(included, options);
  // The notebook and the folders that hold it are never proposed, whatever
  // keepCode says: each line is asked of the rules themselves, on its own,
  // since the user may tick any line offered.
  const candidates = findCandidates(included, keep).filter(
    c => !dropsNotebook(c.pattern, options.notebook)
  );

  // Greedy: take candidates until the target is met, junk first.
  const removed = new Uint8Array(included.length);
  const state = { files: before.files, bytes: before.bytes };
  const chosen: ICandidate[] = [];
  const apply = (c: ICandidate, sign: 1 | -1) => {
    for (const i of c.members) {
      removed[i] += sign;
      if (
        (sign === 1 && removed[i] === 1) ||
        (sign === -1 && removed[i] === 0)
      ) {
        state.files -= sign;
        state.bytes -= sign * included[i].size;
      }
    }
  };
  const meets = () => withinTarget(state, target);
  const pool = [...candidates];
  while (!meets() && pool.length > 0) {
    const junk = pool.filter(c => c.kind === 'junk');
    const from = junk.length > 0 ? junk : pool;
    let best = from[0];
    let bestScore = -1;
    for (const c of from) {
      const s = score(c, included, removed, state, target);
      if (s > bestScore) {
        best = c;
        bestScore = s;
      }
    }
    pool.splice(pool.indexOf(best), 1);
    if (bestScore <= 0) {
      continue;
    }
    apply(best, 1);
    chosen.push(best);
  }
  // Smallest change: drop any line the target does not need after all.
  const checked = new Set(chosen);
  if (meets()) {
    for (const c of [...chosen].reverse()) {
      apply(c, -1);
      if (meets()) {
        checked.delete(c);
      } else {
        apply(c, 1);
      }
    }
  }
  const offered = [
    ...chosen,
    ...candidates.filter(c => c.kind === 'junk' && !chosen.includes(c))
  ];
  const lines: IProposedLine[] = offered.map(c => ({
    pattern: c.pattern,
    kind: c.kind,
    label: c.label,
    checked: checked.has(c),
    ...(c.reason ? { reason: c.reason } : {}),
    ...tally(c.members.map(i => included[i]))
  }));
  const after = previewTotals(
    scan,
    limits,
    lines.filter(l => l.checked).map(l => l.pattern)
  );
  return {
    needed: !withinTarget(before, target),
    lines,
    carriedFrom: scan.ignoreFile === '.gitignore' ? '.gitignore' : null,
    target,
    before,
    after,
    reachesTarget: withinTarget(after, target)
  };
}

/**
 * A question for the advisor about a scan: asked where the scan is kept
 * (the listing worker), so that a big folder's advice never blocks the page.
 */
export type AdviceQuestion =
  | { kind: 'propose'; limits: ILimits; options?: IAdviceOptions }
  | { kind: 'preview'; limits: ILimits; patterns: string[] }
  | { kind: 'data'; options?: IAdviceOptions }
  /** The notebook's companions among the files the report uploads. */
  | { kind: 'companions'; notebook: string; cells: string[] };

interface IAdviceAnswers {
  propose: IProposal;
  preview: ITotals;
  data: IDataCandidate[];
  companions: ICompanion[];
}

/** What each question is answered with. */
export type AdviceAnswer<Q extends AdviceQuestion> = IAdviceAnswers[Q['kind']];

/**
 * `propose`, `previewTotals`, `dataCandidates` or `findCompanions` (in the
 * upload list, as the report has it), as the question asks.
 */
export function advise<Q extends AdviceQuestion>(
  scan: IScan,
  question: Q
): AdviceAnswer<Q> {
  const q = question as AdviceQuestion;
  const answer =
    q.kind === 'propose'
      ? propose(scan, q.limits, q.options)
      : q.kind === 'preview'
        ? previewTotals(scan, q.limits, q.patterns)
        : q.kind === 'data'
          ? dataCandidates(scan, q.options)
          : findCompanions(
              q.notebook,
              q.cells,
              sortByPath(sdkFiles(scan.files, scan.rules).included)
            );
  return answer as AdviceAnswer<Q>;
}

/** A folder or file of data that could move to a datastore. */
export interface IDataCandidate extends ITally {
  /** Relative to the snapshot folder; folders without a trailing slash. */
  path: string;
  kind: 'dir' | 'file';
  /** The `.amlignore` line that excludes it once it is uploaded. */
  pattern: string;
}

/**
 * The biggest folders and files of data in the upload list: what the
 * advisor would exclude, never the notebook, code, small config files or
 * known junk. Biggest first.
 */
export function dataCandidates(
  scan: IScan,
  options: IAdviceOptions = {},
  max = 8
): IDataCandidate[] {
  const view = sdkFiles(scan.files, previewRules(scan, []));
  const included = view.included;
  const keep = protectedFiles(included, options);
  const all = findCandidates(included, keep);
  // Known junk is for .amlignore, not for a datastore.
  const junk = new Set(
    all.filter(c => c.kind === 'junk').flatMap(c => c.members)
  );
  return all
    .filter(c => c.kind === 'folder' || c.kind === 'file')
    .filter(c => !c.members.every(i => junk.has(i)))
    .filter(c => !dropsNotebook(c.pattern, options.notebook))
    .map(c => ({
      path: c.kind === 'folder' ? c.label.replace(/\/$/, '') : c.label,
      kind: c.kind === 'folder' ? ('dir' as const) : ('file' as const),
      pattern: c.pattern,
      ...tally(c.members.map(i => included[i]))
    }))
    .filter(
      // A file inside a folder offered already goes with that folder.
      (c, _, all) =>
        !all.some(o => o.kind === 'dir' && o !== c && isInside(c.path, o.path))
    )
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, max);
}

/**
 * The rules a snapshot would have once `.amlignore` holds these extra lines:
 * appended to an existing `.amlignore`, or after the carried-over `.gitignore`.
 */
export function previewRules(scan: IScan, patterns: string[]): RuleSet {
  const sdk = scan.rules.sdk;
  const base =
    scan.ignoreFile === null
      ? RuleSet.parse('', null, sdk)
      : RuleSet.parse(scan.ignoreText ?? '', scan.ignoreFile, sdk);
  return patterns.length === 0
    ? base
    : base.extend(patterns.join('\n'), '.amlignore');
}

/**
 * Totals under extra lines, from the files already scanned, as the SDK
 * would count them: including the `.amlignore` that the lines are written
 * to, which the SDK uploads like any file unless a line excludes it.
 */
export function previewTotals(
  scan: IScan,
  limits: ILimits,
  patterns: string[]
): ITotals {
  const rules = previewRules(scan, patterns);
  return totals(withWrittenAmlignore(scan, patterns), rules, limits);
}

/** The scanned files once `.amlignore` holds these lines. */
export function withWrittenAmlignore(
  scan: IScan,
  patterns: string[]
): IFileRecord[] {
  if (patterns.length === 0) {
    return scan.files;
  }
  const size = new TextEncoder().encode(
    composeAmlignore(scan, patterns).text
  ).length;
  return [
    ...scan.files.filter(f => f.path !== '.amlignore'),
    { path: '.amlignore', size }
  ];
}

function totals(
  files: readonly IFileRecord[],
  rules: RuleSet,
  limits: ILimits
): ITotals {
  const view = sdkFiles(files, rules);
  const t = { files: view.included.length, bytes: view.totalBytes };
  return { ...t, verdict: judge(t.files, t.bytes, limits).verdict };
}

function targetOf(limits: ILimits): IProposal['target'] {
  const f = limits.nearFraction;
  // Aim just below the "near" mark, so the result is a plain OK.
  const below = (limit: number | null) =>
    limit === null ? null : Math.max(0, Math.ceil(limit * f) - 1);
  return {
    bytes: limits.maxBytes !== null ? below(limits.maxBytes) : limits.warnBytes,
    files: below(limits.maxFiles)
  };
}

function withinTarget(t: ITally, target: IProposal['target']): boolean {
  return (
    (target.bytes === null || t.bytes <= target.bytes) &&
    (target.files === null || t.files <= target.files)
  );
}

/** Share of the remaining excess that a candidate removes, per limit. */
function score(
  c: ICandidate,
  included: readonly IFileRecord[],
  removed: Uint8Array,
  state: ITally,
  target: IProposal['target']
): number {
  let files = 0;
  let bytes = 0;
  for (const i of c.members) {
    if (removed[i] === 0) {
      files++;
      bytes += included[i].size;
    }
  }
  const needBytes = target.bytes === null ? 0 : state.bytes - target.bytes;
  const needFiles = target.files === null ? 0 : state.files - target.files;
  let s = 0;
  if (needBytes > 0) {
    s += Math.min(1, bytes / needBytes);
  }
  if (needFiles > 0) {
    s += Math.min(1, files / needFiles);
  }
  return s;
}

function protectedFiles(
  files: readonly IFileRecord[],
  options: IAdviceOptions
): Uint8Array {
  const keep = new Uint8Array(files.length);
  const keepCode = options.keepCode ?? true;
  files.forEach((f, i) => {
    const name = baseName(f.path);
    const ext = name.includes('.') ? name.slice(name.lastIndexOf('.')) : '';
    if (f.path === options.notebook) {
      keep[i] = 1;
    } else if (keepCode && CODE_EXTENSIONS.includes(ext)) {
      keep[i] = 1;
    } else if (
      keepCode &&
      (CONFIG_NAMES.has(name) || CONFIG_EXTENSIONS.includes(ext)) &&
      f.size <= SMALL_CONFIG_BYTES
    ) {
      keep[i] = 1;
    }
  });
  return keep;
}

function dropsNotebook(pattern: string, notebook: string | undefined): boolean {
  return (
    notebook !== undefined &&
    RuleSet.parse(pattern, '.amlignore').excludes(notebook)
  );
}

function findCandidates(
  files: readonly IFileRecord[],
  keep: Uint8Array
): ICandidate[] {
  const candidates: ICandidate[] = [];
  const folders = byFolder(files);
  const venvs = new Set(
    files
      .filter(f => baseName(f.path) === 'pyvenv.cfg')
      .map(f => parentOf(f.path))
  );
  const membersOf = (test: (f: IFileRecord) => boolean) => {
    const out: number[] = [];
    files.forEach((f, i) => {
      if (test(f)) {
        out.push(i);
      }
    });
    return out;
  };

  // Known junk that is present.
  for (const [name, reason] of JUNK_ANYWHERE) {
    if ([...folders.keys()].some(d => baseName(d) === name)) {
      const inJunk = (p: string) => `/${p}`.includes(`/${name}/`);
      candidates.push({
        pattern: `${name}/`,
        kind: 'junk',
        label: `${name}/`,
        reason,
        members: membersOf(f => inJunk(f.path))
      });
    }
  }
  for (const dir of folders.keys()) {
    const name = baseName(dir);
    const rootJunk = dir.includes('/') ? undefined : JUNK_AT_ROOT.get(name);
    const venv = VENV_NAMES.includes(name) && venvs.has(dir);
    if (rootJunk || venv) {
      candidates.push({
        pattern: escapePattern(dir, { dir: true }),
        kind: 'junk',
        label: `${dir}/`,
        reason: rootJunk ?? 'environment',
        members: membersOf(f => isInside(f.path, dir))
      });
    }
  }
  for (const [ext, reason] of JUNK_EXTENSIONS) {
    // Like the `*.ext` line itself: a folder so named takes its files along.
    const members = membersOf(f =>
      f.path.split('/').some(seg => seg.endsWith(ext))
    );
    if (members.length > 0) {
      candidates.push({
        pattern: `*${ext}`,
        kind: 'junk',
        label: `*${ext}`,
        reason,
        members
      });
    }
  }

  // The biggest folders with nothing to keep inside: the outermost ones.
  const keptIn = new Set<string>();
  files.forEach((f, i) => {
    if (keep[i]) {
      for (let d = parentOf(f.path); d !== ''; d = parentOf(d)) {
        keptIn.add(d);
      }
    }
  });
  const clean = [...folders.keys()].filter(d => !keptIn.has(d));
  const outermost = clean.filter(d => {
    const p = parentOf(d);
    return p === '' || keptIn.has(p);
  });
  for (const dir of largest(outermost, d => folders.get(d)!, 60)) {
    candidates.push({
      pattern: escapePattern(dir, { dir: true }),
      kind: 'folder',
      label: `${dir}/`,
      members: membersOf(f => isInside(f.path, dir))
    });
  }

  // File types with nothing to keep among them.
  const types = new Map<string, { t: ITally; kept: boolean }>();
  files.forEach((f, i) => {
    const name = baseName(f.path);
    const dot = name.lastIndexOf('.');
    const ext = dot > 0 ? name.slice(dot) : '';
    if (!/^\.[A-Za-z0-9_-]+$/.test(ext)) {
      return;
    }
    const g = types.get(ext) ?? { t: { files: 0, bytes: 0 }, kept: false };
    g.t.files++;
    g.t.bytes += f.size;
    types.set(ext, g);
  });
  // `*.ext` also matches folders so named, and everything inside them.
  const hasType = (p: string, ext: string) =>
    p.split('/').some(seg => seg.endsWith(ext));
  files.forEach((f, i) => {
    if (keep[i]) {
      for (const [ext, g] of types) {
        g.kept ||= hasType(f.path, ext);
      }
    }
  });
  const typeNames = [...types.keys()].filter(
    e => !types.get(e)!.kept && !JUNK_EXTENSIONS.has(e)
  );
  for (const ext of largest(typeNames, e => types.get(e)!.t, 20)) {
    candidates.push({
      pattern: `*${ext}`,
      kind: 'type',
      label: `*${ext}`,
      members: membersOf(f => hasType(f.path, ext))
    });
  }

  // The biggest single files that may go.
  const loose = files
    .map((f, i) => ({ f, i }))
    .filter(({ i }) => !keep[i])
    .sort((a, b) => b.f.size - a.f.size)
    .slice(0, 20);
  for (const { f, i } of loose) {
    candidates.push({
      pattern: escapePattern(f.path),
      kind: 'file',
      label: f.path,
      members: [i]
    });
  }
  return candidates;
}

/** The `n` items biggest by bytes plus the `n` biggest by file count. */
function largest<T>(items: T[], t: (x: T) => ITally, n: number): T[] {
  const bySize = [...items].sort((a, b) => t(b).bytes - t(a).bytes);
  const byCount = [...items].sort((a, b) => t(b).files - t(a).files);
  return [...new Set([...bySize.slice(0, n), ...byCount.slice(0, n)])];
}
