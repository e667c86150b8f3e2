import { Notification } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import type { DocumentRegistry } from '@jupyterlab/docregistry';
import type { TranslationBundle } from '@jupyterlab/translation';
import { DisposableDelegate, type IDisposable } from '@lumino/disposable';
import type { ISnapshotReport } from '../snapshot/accounting.js';
import {
  advise,
  type AdviceAnswer,
  type AdviceQuestion
} from '../snapshot/advisor.js';
import { composeAmlignore } from '../snapshot/amlignore.js';
import {
  cleanFolderName,
  codeCells,
  companionFiles
} from '../snapshot/companions.js';
import {
  formatBytes,
  formatCount,
  formatDuration,
  visibleName
} from '../snapshot/format.js';
import { baseName, joinPath, parentOf, relativeTo } from '../snapshot/paths.js';
import {
  overSoFar,
  sdkOfProfile,
  type ISurelyCounted
} from '../snapshot/limits.js';
import { reportOf, rescope, type IScan } from '../snapshot/scan.js';
import {
  detectSdk,
  type ICodeSource,
  type IInstalledSdks,
  type ISdkChoice
} from '../snapshot/sdk-detect.js';
import { summarize } from '../snapshot/summary.js';
import type { IFileRecord, ILimits, Sdk } from '../snapshot/types.js';
import type {
  ICheckFolderOptions,
  IGuardResult,
  ISnapshotGuard,
  ISnapshotMeasure,
  ISubmitTarget
} from '../tokens.js';
import { showAmlignoreDialog } from '../ui/amlignore-dialog.js';
import { showCleanFolderDialog } from '../ui/clean-folder-dialog.js';
import { showManualSaveDialog } from '../ui/manual-save-dialog.js';
import { ProgressToast } from '../ui/progress-toast.js';
import { showRaiseLimitDialog } from '../ui/raise-limit-dialog.js';
import { showReportDialog, type IStepReport } from '../ui/report-dialog.js';
import { findStepFolders } from '../snapshot/pipeline-steps.js';
import {
  canRaiseSizeLimit,
  raisedSizeLimit,
  uploadSeconds
} from '../snapshot/raise-limit.js';
import {
  INCOMPLETE_MARKER,
  type IFarReport,
  type IFolderAccess,
  type IRemoveReport,
  type IReportOptions
} from '../access/folder-access.js';
import { WriteRefusedError } from '../access/write-if-unchanged.js';
import { folderLabel } from '../ui/words.js';
import {
  moveToDatastore,
  type IDataUploader,
  type IMovedData
} from './datastore-fix.js';
import { onlyKernelMetadataChanged } from './kernel-metadata.js';
import { errorMessage } from '../snapshot/errors.js';
import { confirm } from '../ui/confirm.js';

export interface IGuardOptions {
  /** The file access to use now (helper kernel, or Contents API). */
  access(): Promise<IFolderAccess>;
  limits(): ILimits;
  /** The profile setting: `auto`, `azureml-v1` or `azureml-v2`. */
  profile?(): string;
  /** The limits for one SDK, with the user's overrides. */
  limitsFor?(sdk: Sdk): ILimits;
  /** Which SDK packages the helper kernel's Python has installed, if known. */
  installedSdks?(): Promise<IInstalledSdks | null>;
  /** Pattern of the clean folder's name, `{name}` = the notebook's name. */
  cleanFolderPattern(): string;
  /**
   * Open a notebook in a new tab; resolves once what opening writes next to
   * it (JupyterLab's first checkpoint) is on disk, so a check counts it.
   */
  open(path: string): Promise<void>;
  /** The upload speed time estimates assume, in Mbit/s. */
  uploadMbps?(): number;
  /** The helper kernel's datastore uploads, when there is one. */
  dataUploader?(): Promise<IDataUploader | null>;
  trans: TranslationBundle;
}

/** Reads a check starts with its walk (see `earlyReads`). */
interface IEarlyReads {
  /** The notebook's text; null when it could not be read. */
  notebook: Promise<string | null>;
  /** Profile auto only. */
  installed?: Promise<IInstalledSdks | null>;
}

/** The flow's options: the public ones, and whether a submission follows. */
interface IFlowOptions extends ICheckFolderOptions {
  /**
   * A submission follows: offer what only applies to one (raising
   * azureml-core's size limit, data moved to a datastore as its input).
   */
  forSubmit?: boolean;
}

/** Most top-level code files read to tell the SDK (profile auto), and their size cap. */
const MAX_CODE_FILES = 50;
const MAX_CODE_BYTES = 2 * 1024 * 1024;

/** A flow's end; `notebook` is absent for a folder checked on its own. */
interface IFlowResult extends Omit<IGuardResult, 'notebook'> {
  notebook?: string;
}

/** Raised to the caller when the check could not run at all. */
export class GuardError extends Error {}

/**
 * The interactive guard: save, check with progress, then either report OK
 * or show what is too big and apply the fix the user picks, re-checking
 * from disk after each fix. All decisions come from the engine.
 */
export class SnapshotGuard implements ISnapshotGuard {
  private targets = new Map<string, ISubmitTarget>();
  private running = new Set<string>();
  /** The SDK the last full check decided per folder (profile auto). */
  private decided = new Map<string, Sdk>();

  constructor(private options: IGuardOptions) {}

  async check(folder: string, notebook?: string): Promise<ISnapshotReport> {
    const access = await this.options.access();
    const scan = await this.decideSdk(
      access,
      folder,
      notebook,
      await access.scan(folder, {})
    );
    return (await this.reportOn(access, scan, this.limitsOf(scan.sdk))).report;
  }

  /**
   * The report on a scan, made where the access made the scan (the helper
   * kernel's worker) when it can: a big folder's matching and accounting
   * never block the page.
   */
  private async reportOn(
    access: IFolderAccess,
    scan: IScan,
    limits: ILimits,
    options: IReportOptions = {}
  ): Promise<IFarReport> {
    return (
      (await access.report?.(scan, limits, options)) ?? {
        report: reportOf(scan, limits)
      }
    );
  }

  /**
   * The advisor's answer on a scan, made where the access made the scan
   * when it can: a big folder's proposals and live totals never block the
   * page either.
   */
  private async advise<Q extends AdviceQuestion>(
    access: IFolderAccess,
    scan: IScan,
    question: Q
  ): Promise<AdviceAnswer<Q>> {
    return (await access.advise?.(scan, question)) ?? advise(scan, question);
  }

  /**
   * The SDK the meter measures with: the known one, else v1 (the strict
   * one) until a full check of the folder decides.
   */
  private sdkFor(folder: string): Sdk {
    return this.knownSdk(folder) ?? 'v1';
  }

  /** The profile's SDK, or under `auto` what the last check of the folder decided. */
  private knownSdk(folder: string): Sdk | undefined {
    const setting = this.options.profile?.() ?? 'azureml-v1';
    return setting === 'auto'
      ? this.decided.get(folder)
      : sdkOfProfile(setting);
  }

  /**
   * The SDK and hard limits a check can judge against before its scan
   * ends: the profile's or, under auto, the last check's (else v1), which
   * the root's files must confirm; null when that SDK has none.
   */
  private limitsBeforeScan(
    folder: string
  ): { sdk: Sdk; limits: ILimits } | null {
    const sdk = this.knownSdk(folder) ?? 'v1';
    const limits = this.limitsOf(sdk);
    return limits.maxFiles === null && limits.maxBytes === null
      ? null
      : { sdk, limits };
  }

  private limitsOf(sdk: Sdk): ILimits {
    return this.options.limitsFor?.(sdk) ?? this.options.limits();
  }

  /**
   * The scan read by the SDK the profile names or, for `auto`, the one the
   * notebook and the folder's top-level code import (then the helper
   * kernel's installed packages, then v1).
   */
  async decideSdk(
    access: IFolderAccess,
    folder: string,
    notebook: string | undefined,
    scan: IScan,
    early?: IEarlyReads
  ): Promise<IScan> {
    const { trans } = this.options;
    const setting = this.options.profile?.() ?? 'azureml-v1';
    if (setting !== 'auto') {
      return rescope(
        scan,
        sdkOfProfile(setting),
        trans.__('profile %1 in the settings', setting)
      );
    }
    const choice = await this.detect(
      access,
      folder,
      notebook,
      scan.files.filter(f => !f.path.includes('/')),
      early
    );
    return rescope(scan, choice.sdk, trans.__('auto: %1', choice.reason));
  }

  /**
   * Profile auto's choice, from the notebook and the folder's top-level
   * files (in the walk's order: the first ones are read).
   */
  private async detect(
    access: IFolderAccess,
    folder: string,
    notebook: string | undefined,
    topFiles: readonly IFileRecord[],
    early?: IEarlyReads
  ): Promise<ISdkChoice> {
    const read = async (path: string): Promise<ICodeSource | null> => {
      try {
        const full = folder === '' ? path : `${folder}/${path}`;
        return { path, text: await access.readText(full) };
      } catch {
        return null;
      }
    };
    const nbRel = notebook ? relativeTo(folder, notebook) : undefined;
    const reads = early ?? this.earlyReads(access, notebook, true);
    const installing = reads.installed ?? this.installedSdks();
    const nbText = await reads.notebook;
    const nb =
      nbRel !== undefined && nbText !== null
        ? { path: nbRel, text: nbText }
        : null;
    const code: ICodeSource[] = [];
    for (const f of topFiles) {
      if (code.length >= MAX_CODE_FILES) {
        break;
      }
      if (
        f.path !== nbRel &&
        /\.(py|ipynb)$/.test(f.path) &&
        f.size <= MAX_CODE_BYTES
      ) {
        const src = await read(f.path);
        if (src) {
          code.push(src);
        }
      }
    }
    const installed = await installing;
    const choice = detectSdk(nb, code, installed);
    this.decided.set(folder, choice.sdk);
    return choice;
  }

  /** The helper kernel's installed SDKs (profile auto's last clue), or null. */
  private installedSdks(): Promise<IInstalledSdks | null> {
    return (this.options.installedSdks?.() ?? Promise.resolve(null)).catch(
      () => null
    );
  }

  /**
   * Reads every check makes, started with its walk rather than after it:
   * each is a round trip to the helper kernel, which the walk would
   * otherwise wait on (the notebook for profile auto and the pipeline
   * steps, the installed SDKs for profile auto).
   */
  private earlyReads(
    access: IFolderAccess,
    notebook: string | undefined,
    auto: boolean
  ): IEarlyReads {
    const text = notebook
      ? access.readText(notebook).catch(() => null)
      : Promise.resolve(null);
    return {
      notebook: text,
      installed: auto ? this.installedSdks() : undefined
    };
  }

  async measure(
    folder: string,
    options: { signal?: AbortSignal } = {}
  ): Promise<ISnapshotMeasure> {
    const access = await this.options.access();
    const limits = this.limitsOf(this.sdkFor(folder));
    if (access.measure) {
      const summary = await access.measure(folder, limits, options);
      return { ...summary, caveat: access.caveat };
    }
    const started = performance.now();
    const scan = rescope(
      await access.scan(folder, options),
      sdkOfProfile(limits.profile),
      ''
    );
    const summary = summarize(reportOf(scan, limits));
    const costMs = performance.now() - started;
    return { ...summary, costMs, caveat: access.caveat };
  }

  addTarget(target: ISubmitTarget): IDisposable {
    this.targets.set(target.id, target);
    return new DisposableDelegate(() => this.targets.delete(target.id));
  }

  get submitTargets(): ISubmitTarget[] {
    return [...this.targets.values()];
  }

  /** True while a flow for this notebook runs (a second click is ignored). */
  isRunning(path: string): boolean {
    return this.running.has(path);
  }

  /**
   * The flow for a notebook: it is saved first, kept by every fix and may
   * move to a clean folder; the result says where it ended up.
   */
  async run(
    notebookPath: string,
    context?: DocumentRegistry.IContext<DocumentRegistry.IModel>,
    options: Pick<IFlowOptions, 'report' | 'forSubmit'> = {}
  ): Promise<IGuardResult> {
    const folder = PathExt.dirname(notebookPath);
    const result = await this.once(notebookPath, folder, () =>
      this.flow(folder, { ...options, notebook: notebookPath, context })
    );
    return { ...result, notebook: result.notebook ?? notebookPath };
  }

  /** `run`, for callers that only need to know whether to go on. */
  async guard(
    notebookPath: string,
    context?: DocumentRegistry.IContext<DocumentRegistry.IModel>,
    options: Pick<ICheckFolderOptions, 'report'> = {}
  ): Promise<boolean> {
    return (await this.run(notebookPath, context, options)).ok;
  }

  /** The flow for a folder, with `options.notebook` kept by every fix. */
  async checkFolder(
    folder: string,
    options: ICheckFolderOptions = {}
  ): Promise<boolean> {
    const key = options.notebook ?? `${folder}/`;
    const result = await this.once(key, folder, () =>
      this.flow(folder, options)
    );
    return result.ok;
  }

  /** One flow per notebook or folder at a time: a second click is ignored. */
  private async once(
    key: string,
    folder: string,
    flow: () => Promise<IFlowResult>
  ): Promise<IFlowResult> {
    if (this.running.has(key)) {
      return { ok: false, folder, report: null };
    }
    this.running.add(key);
    try {
      return await flow();
    } finally {
      this.running.delete(key);
    }
  }

  private async flow(
    folder: string,
    options: IFlowOptions
  ): Promise<IFlowResult> {
    const { trans } = this.options;
    const context = options.context;
    if (context && context.model.dirty) {
      // Saved either way, so the file matches the tab; announced only when
      // the user changed something, not when the kernel's info did.
      const announce = await this.hasUserChanges(context);
      await context.save();
      if (announce) {
        Notification.info(
          trans.__(
            'Saved %1 before checking its folder.',
            visibleName(PathExt.basename(context.path))
          ),
          { autoClose: 4000 }
        );
      }
    }
    let notebook = options.notebook;
    let fix = options.fix;
    let showReport = options.report === true;
    const keptLeftovers = new Set<string>();
    const moved: IMovedData[] = [];
    for (;;) {
      const access = await this.options.access();
      const rel = notebook ? relativeTo(folder, notebook) : undefined;
      const checked = await this.checkWithProgress(
        access,
        folder,
        notebook,
        // The datastore fix is offered to a submission only.
        options.forSubmit === true ? { notebook: rel } : undefined
      );
      if (checked === null) {
        return { ok: false, folder, notebook, report: null };
      }
      const { scan, limits, report, notebookText } = checked;
      if (await this.offerLeftovers(access, folder, scan, keptLeftovers)) {
        continue;
      }
      const done = (ok: boolean, sizeLimit?: number): IFlowResult => ({
        ok,
        folder,
        notebook,
        report,
        ...(ok && sizeLimit !== undefined ? { sizeLimit } : {}),
        ...(moved.length > 0 ? { data: moved } : {})
      });
      // Each pipeline step's folder is a snapshot of its own.
      const steps = notebook
        ? await this.checkSteps(folder, await notebookText, report, access)
        : [];
      const stepOver = steps.some(
        st => st.folder !== '' && st.report?.verdict === 'over'
      );
      if (
        report.verdict !== 'over' &&
        !stepOver &&
        fix === undefined &&
        !showReport
      ) {
        this.notifyWithin(report, access);
        return done(true);
      }
      const noHardLimit = limits.maxBytes === null && limits.maxFiles === null;
      // The datastore fix wires the asset into this submission's job.
      const uploader =
        options.forSubmit === true &&
        (checked.dataToMove ??
          (
            await this.advise(access, scan, {
              kind: 'data',
              options: { notebook: rel }
            })
          ).length > 0)
          ? ((await this.options.dataUploader?.()) ?? null)
          : null;
      // A fix asked for up front (from the SDK's error in a cell) skips the
      // report once: Azure ML already said the snapshot is too big.
      const choice =
        fix ??
        (await showReportDialog({
          report,
          folder: folderLabel(trans, folder),
          trans,
          caveat: access.caveat,
          // Asked for the report only (the meter): nothing to submit.
          canSubmitAnyway:
            !showReport &&
            (noHardLimit || report.verdict !== 'over') &&
            !report.reasons.some(r => r.limit === 'empty'),
          canMove: notebook !== undefined,
          canRaiseLimit:
            options.forSubmit === true && canRaiseSizeLimit(report),
          canMoveData: uploader !== null,
          uploadMbps: this.options.uploadMbps?.(),
          steps
        }));
      fix = undefined;
      showReport = false;
      if (choice === 'cancel') {
        return done(false);
      }
      if (choice === 'anyway') {
        return done(true);
      }
      if (choice === 'raise-limit') {
        const raised = await this.raiseLimit(report);
        if (raised !== null) {
          return done(true, raised);
        }
        continue;
      }
      if (choice.startsWith('step:')) {
        // The same fixes, for the step's own folder.
        await this.checkFolder(choice.slice('step:'.length), { report: true });
        continue;
      }
      if (choice === 'datastore' && uploader) {
        const data = await moveToDatastore({
          uploader,
          access,
          folder,
          notebook: rel,
          scan,
          candidates: await this.advise(access, scan, {
            kind: 'data',
            options: { notebook: rel }
          }),
          // Only while the notebook is the one the flow started with.
          document: notebook === options.notebook ? context : undefined,
          trans
        });
        if (data !== null) {
          moved.push(data);
        }
        continue;
      }
      if (choice === 'amlignore') {
        if (!(await this.writeAmlignore(access, folder, scan, limits, rel))) {
          return done(false);
        }
        continue;
      }
      if (choice === 'move' && notebook) {
        // Only what the SDK would upload is offered: a file the ignore
        // file (or v1's pruning) leaves out never reached the job either.
        const copy = await this.moveToCleanFolder(
          access,
          folder,
          notebook,
          scan,
          report.included
        );
        if (copy === null) {
          return done(false);
        }
        notebook = copy;
        folder = PathExt.dirname(copy);
      }
    }
  }

  /**
   * An interrupted "Move to a clean folder" (its journal file) inside the
   * folder inflates the very snapshot it was to shrink: offer to remove
   * what it copied. True when something was removed (check again).
   */
  private async offerLeftovers(
    access: IFolderAccess,
    folder: string,
    scan: IScan,
    kept: Set<string>
  ): Promise<boolean> {
    const { trans } = this.options;
    // endsWith before baseName: no string made per file of a big folder.
    const found = scan.files
      .filter(
        f =>
          f.path.endsWith(INCOMPLETE_MARKER) &&
          baseName(f.path) === INCOMPLETE_MARKER
      )
      .map(f => parentOf(f.path))
      .filter(dir => dir !== '' && !kept.has(dir));
    for (const dir of found) {
      kept.add(dir);
      const inside = scan.files.filter(f => f.path.startsWith(`${dir}/`));
      const bytes = inside.reduce((n, f) => n + f.size, 0);
      const remove = await confirm({
        title: trans.__('An interrupted copy is in this folder'),
        body: trans.__(
          '%1 holds an incomplete "Move to a clean folder" copy (%2 files, %3), which counts in this snapshot. Remove what Snapshot Guard copied there? Files you added yourself are kept.',
          joinPath(folder, dir),
          formatCount(inside.length),
          formatBytes(bytes)
        ),
        cancel: trans.__('Keep it'),
        accept: trans.__('Remove the copy'),
        warn: true
      });
      if (!remove) {
        continue;
      }
      try {
        const report = await access.discardIncomplete(joinPath(folder, dir));
        Notification.info(this.describeRemoval(joinPath(folder, dir), report), {
          autoClose: 8000
        });
      } catch (err) {
        Notification.error(
          trans.__(
            'The interrupted copy in %1 was not removed: %2',
            joinPath(folder, dir),
            errorMessage(err)
          ),
          { autoClose: false }
        );
        continue;
      }
      return true;
    }
    return false;
  }

  /**
   * The step folders the notebook's code names (v1 source_directory, v2
   * code), each checked as its own snapshot with the SDK of the main check.
   */
  private async checkSteps(
    folder: string,
    notebookText: string | null,
    main: ISnapshotReport,
    access: IFolderAccess
  ): Promise<IStepReport[]> {
    if (notebookText === null) {
      return [];
    }
    let found;
    try {
      found = findStepFolders(codeCells(notebookText).join('\n'));
    } catch {
      return [];
    }
    const out: IStepReport[] = [];
    const seen = new Set<string>();
    for (const step of found) {
      if (step.folder !== null && seen.has(step.folder)) {
        continue;
      }
      if (step.folder === null) {
        out.push({
          kind: step.kind,
          folder: null,
          expression: step.expression
        });
        continue;
      }
      seen.add(step.folder);
      const path = joinPath(folder, step.folder);
      if (step.folder === '') {
        out.push({
          kind: step.kind,
          folder: '',
          expression: step.expression,
          report: main
        });
        continue;
      }
      try {
        const scan = rescope(
          await access.scan(path, {}),
          main.sdk,
          main.profileReason
        );
        out.push({
          kind: step.kind,
          folder: path,
          expression: step.expression,
          report: (await this.reportOn(access, scan, this.limitsOf(main.sdk)))
            .report
        });
      } catch (err) {
        out.push({
          kind: step.kind,
          folder: path,
          expression: step.expression,
          error: errorMessage(err)
        });
      }
    }
    return out;
  }

  /**
   * Confirm raising azureml-core's size limit for this submission; the
   * raised limit in bytes, or null when the user went back to the report.
   */
  private async raiseLimit(report: ISnapshotReport): Promise<number | null> {
    const { trans } = this.options;
    const from = report.limits.maxBytes ?? 0;
    const to = raisedSizeLimit(report.totalBytes, report.limits.nearFraction);
    const mbps = this.options.uploadMbps?.() ?? 20;
    const ok = await showRaiseLimitDialog({
      from,
      to,
      totalBytes: report.totalBytes,
      uploadBytes: report.uploadBytes,
      files: report.files,
      uploadMbps: mbps,
      trans
    });
    if (!ok) {
      return null;
    }
    const seconds = uploadSeconds(report.uploadBytes, mbps);
    Notification.warning(
      seconds === null
        ? trans.__(
            'Size limit raised to %1 for this submission: %2 to upload.',
            formatBytes(to),
            formatBytes(report.uploadBytes)
          )
        : trans.__(
            'Size limit raised to %1 for this submission: %2 to upload, about %3.',
            formatBytes(to),
            formatBytes(report.uploadBytes),
            formatDuration(seconds)
          ),
      { autoClose: false }
    );
    return to;
  }

  /** What undoing a copy removed and what it left, in words. */
  private describeRemoval(target: string, report: IRemoveReport): string {
    const { trans } = this.options;
    if (report.left.length === 0 && report.kept.length === 0) {
      return trans.__('The copy in %1 was removed.', target);
    }
    const shown =
      report.left.length > 0
        ? report.left
        : report.kept.map(k => `${k.path} (${k.reason})`);
    return trans.__(
      'What Snapshot Guard copied into %1 was removed; left there: %2',
      target,
      shown.slice(0, 5).join(', ') + (shown.length > 5 ? ', …' : '')
    );
  }

  /** False when the model differs from its file only in kernel metadata. */
  private async hasUserChanges(
    context: DocumentRegistry.IContext<DocumentRegistry.IModel>
  ): Promise<boolean> {
    try {
      const access = await this.options.access();
      const saved = JSON.parse(await access.readText(context.path));
      return !onlyKernelMetadataChanged(saved, context.model.toJSON());
    } catch {
      return true;
    }
  }

  /**
   * Scan, SDK and report under one progress notification, whose Cancel
   * stops whichever step runs (the report of a big folder takes a while
   * too, in the worker).
   */
  private async checkWithProgress(
    access: IFolderAccess,
    folder: string,
    notebook: string | undefined,
    data: IReportOptions['data']
  ): Promise<{
    scan: IScan;
    limits: ILimits;
    report: ISnapshotReport;
    dataToMove?: boolean;
    /** The notebook's text, read with the walk. */
    notebookText: Promise<string | null>;
  } | null> {
    const { trans } = this.options;
    const label = folderLabel(trans, folder);
    const progress = new ProgressToast(
      trans,
      trans.__('Checking the snapshot of %1…', label)
    );
    // Over as soon as what the SDK surely counts crosses a limit; the
    // totals (and the exact report) still come from the whole scan. Under
    // profile auto that SDK is a guess until the notebook and the root's
    // code files, read as soon as the root is listed, choose the same one;
    // that choice is then the check's.
    const auto = (this.options.profile?.() ?? 'azureml-v1') === 'auto';
    const reads = this.earlyReads(access, notebook, auto);
    const early = this.limitsBeforeScan(folder);
    let confirmed = !auto;
    const root: { choice?: Promise<ISdkChoice> } = {};
    let over: string | null = null;
    let seen = 0;
    let counted: ISurelyCounted | undefined;
    let walking = true;
    const show = () => {
      const limit =
        early && counted && confirmed ? overSoFar(counted, early.limits) : null;
      if (limit === 'files') {
        over = trans.__(
          'The snapshot of %1 is over the limit of %2 files',
          label,
          formatCount(early!.limits.maxFiles!)
        );
      } else if (limit === 'bytes') {
        over = trans.__(
          'The snapshot of %1 is over the size limit of %2 (%3 so far)',
          label,
          formatBytes(early!.limits.maxBytes!),
          formatBytes(counted!.bytes)
        );
      }
      progress.update(
        over === null
          ? trans.__(
              'Checking the snapshot of %1: %2 files seen…',
              label,
              formatCount(seen)
            )
          : trans.__(
              '%1: %2 files seen; counting the rest…',
              over,
              formatCount(seen)
            )
      );
    };
    try {
      const scan = await access.scan(folder, {
        signal: progress.signal,
        ...(early ? { lowerBound: early.sdk } : {}),
        ...(auto
          ? {
              onRoot: files => {
                const choice = this.detect(
                  access,
                  folder,
                  notebook,
                  files,
                  reads
                );
                root.choice = choice;
                choice.then(
                  c => {
                    confirmed = c.sdk === early?.sdk;
                    // The walk may stand still meanwhile (a slow disk).
                    if (confirmed && walking) {
                      show();
                    }
                  },
                  () => undefined
                );
              }
            }
          : {}),
        onProgress: (n, c) => {
          seen = n;
          counted = c;
          show();
        }
      });
      walking = false;
      progress.update(
        over === null
          ? trans.__(
              'Checking the snapshot of %1: applying the rules to %2 files…',
              label,
              formatCount(scan.files.length)
            )
          : trans.__(
              '%1: applying the rules to %2 files…',
              over,
              formatCount(scan.files.length)
            )
      );
      const choice = await root.choice;
      const decided = choice
        ? rescope(scan, choice.sdk, trans.__('auto: %1', choice.reason))
        : await this.decideSdk(access, folder, notebook, scan, reads);
      const limits = this.limitsOf(decided.sdk);
      const { report, dataToMove } = await this.reportOn(
        access,
        decided,
        limits,
        { signal: progress.signal, data }
      );
      progress.signal.throwIfAborted();
      await progress.dismiss();
      return {
        scan: decided,
        limits,
        report,
        dataToMove,
        notebookText: reads.notebook
      };
    } catch (err) {
      if (progress.signal.aborted) {
        await progress.finish(
          'info',
          trans.__('The check of %1 was cancelled.', label),
          { autoClose: 4000 }
        );
      } else {
        await progress.finish(
          'error',
          trans.__(
            'The snapshot of %1 could not be checked: %2',
            label,
            errorMessage(err)
          ),
          { autoClose: false }
        );
      }
      return null;
    }
  }

  private notifyWithin(report: ISnapshotReport, access: IFolderAccess) {
    const { trans } = this.options;
    const limit = report.limits.maxBytes ?? report.limits.warnBytes;
    // `_n` passes the count itself as %1, so the words start at %2.
    const numbers =
      limit === null
        ? trans._n(
            '%2 file, %3',
            '%2 files, %3',
            report.files,
            formatCount(report.files),
            formatBytes(report.bytes)
          )
        : trans._n(
            '%2 file, %3 of %4',
            '%2 files, %3 of %4',
            report.files,
            formatCount(report.files),
            formatBytes(report.bytes),
            formatBytes(limit)
          );
    if (report.verdict === 'ok') {
      Notification.success(trans.__('Snapshot OK: %1', numbers), {
        autoClose: 5000
      });
    } else {
      Notification.warning(trans.__('Snapshot near the limits: %1', numbers), {
        autoClose: false
      });
    }
    if (access.caveat) {
      // A notification of its own: JupyterLab cuts a toast's text at 140
      // characters, which cut the caveat short behind the numbers.
      Notification.warning(access.caveat, { autoClose: false });
    }
  }

  private async writeAmlignore(
    access: IFolderAccess,
    folder: string,
    scan: IScan,
    limits: ILimits,
    notebook: string | undefined
  ): Promise<boolean> {
    const { trans } = this.options;
    const proposal = await this.advise(access, scan, {
      kind: 'propose',
      limits,
      options: { notebook }
    });
    const lines = await showAmlignoreDialog({
      scan,
      totals: patterns =>
        this.advise(access, scan, { kind: 'preview', limits, patterns }),
      proposal,
      trans,
      target:
        scan.ignoreFile === '.amlignore'
          ? 'append'
          : scan.ignoreFile === '.gitignore'
            ? 'replace-gitignore'
            : 'create'
    });
    if (lines === null) {
      return false;
    }
    const { text } = composeAmlignore(scan, lines);
    const expected = scan.ignoreFile === '.amlignore' ? scan.ignoreText : null;
    let result;
    try {
      result = await access.writeIfUnchanged(
        joinPath(folder, '.amlignore'),
        text,
        expected
      );
    } catch (err) {
      if (!(err instanceof WriteRefusedError)) {
        return this.afterFailedWrite(folder, text, err);
      }
      if (err.reason !== 'unsupported') {
        Notification.warning(
          trans.__('.amlignore was not written: %1', err.message),
          { autoClose: false }
        );
      }
      await showManualSaveDialog({
        folder: folderLabel(trans, folder),
        text,
        trans
      });
      return false;
    }
    if (result === 'written') {
      Notification.success(
        trans._n(
          'Wrote %1 line to .amlignore; checking again.',
          'Wrote %1 lines to .amlignore; checking again.',
          lines.length
        ),
        { autoClose: 4000 }
      );
      return true;
    }
    return confirm({
      title: trans.__('.amlignore changed'),
      body: trans.__(
        '.amlignore changed on disk after the check, so nothing was written. Check the folder again?'
      ),
      cancel: trans.__('Cancel'),
      accept: trans.__('Check again')
    });
  }

  /**
   * The write failed without an answer (the helper kernel died): whether
   * the new .amlignore landed is read back through the next access. Landed:
   * go on (check again); else say it was left as it was.
   */
  private async afterFailedWrite(
    folder: string,
    text: string,
    err: unknown
  ): Promise<boolean> {
    const { trans } = this.options;
    const why = errorMessage(err).replace(/\.$/, '');
    const path = joinPath(folder, '.amlignore');
    // undefined: could not be read back; null: there is none.
    let now: string | null | undefined;
    try {
      now = await (await this.options.access()).readText(path);
    } catch (e) {
      // The helper's NotFound (KernelAccess); the Contents API's 404.
      const gone =
        (e as { type?: string }).type === 'NotFound' ||
        (e as { response?: { status?: number } }).response?.status === 404;
      now = gone ? null : undefined;
    }
    if (now === text) {
      Notification.info(
        trans.__(
          'Writing .amlignore was interrupted (%1), but the new .amlignore was complete and is in place; checking again.',
          why
        ),
        { autoClose: 8000 }
      );
      return true;
    }
    throw new GuardError(
      now === undefined
        ? trans.__(
            'Writing .amlignore in %1 failed: %2. Whether it changed could not be read back; look at it before submitting.',
            folderLabel(trans, folder),
            why
          )
        : trans.__(
            'Writing .amlignore in %1 failed: %2. .amlignore was left as it was.',
            folderLabel(trans, folder),
            why
          )
    );
  }

  private async moveToCleanFolder(
    access: IFolderAccess,
    folder: string,
    notebook: string,
    scan: IScan,
    uploaded: readonly IFileRecord[]
  ): Promise<string | null> {
    const { trans } = this.options;
    const rel = relativeTo(folder, notebook);
    const cells = codeCells(await access.readText(notebook));
    // Among the files of `uploaded` (the report's), found where the scan is.
    const companions = await this.advise(access, scan, {
      kind: 'companions',
      notebook: rel,
      cells
    });
    const choice = await showCleanFolderDialog({
      notebook: rel,
      folderName: cleanFolderName(rel, this.options.cleanFolderPattern()),
      companions,
      trans
    });
    if (choice === null) {
      return null;
    }
    const target = await access.makeUniqueFolder(folder, choice.folderName);
    const copy = joinPath(target, PathExt.basename(notebook));
    const pairs = [
      { from: notebook, to: copy },
      ...companionFiles(choice.companions, uploaded).map(f => ({
        from: joinPath(folder, f.path),
        to: joinPath(target, f.path)
      }))
    ];
    try {
      await access.copyFiles(pairs);
    } catch (err) {
      // Leave the folder as it was: remove only what this action made, and
      // say what could not be removed. If the helper kernel died, a new
      // one reads the journal the copy keeps in the folder.
      const undo = await access
        .removeCreated([...pairs.map(p => p.to), `${target}/`])
        .catch(() => null);
      throw new GuardError(
        undo === null
          ? trans.__(
              'Copying into %1 failed: %2. The partial copy could not be removed now; it is marked with %3, and the next Submit offers to remove it.',
              target,
              errorMessage(err),
              INCOMPLETE_MARKER
            )
          : undo.left.length === 0 && undo.kept.length === 0
            ? trans.__(
                'Copying into %1 failed, and the copy was removed: %2',
                target,
                errorMessage(err)
              )
            : trans.__(
                'Copying into %1 failed: %2. %3',
                target,
                errorMessage(err),
                this.describeRemoval(target, undo)
              )
      );
    }
    const companionCount = pairs.length - 1;
    const name = visibleName(PathExt.basename(notebook));
    Notification.success(
      companionCount === 0
        ? trans.__('Copied %1 into %2.', name, visibleName(target))
        : trans._n(
            'Copied %2 and %1 companion file into %3.',
            'Copied %2 and %1 companion files into %3.',
            companionCount,
            name,
            visibleName(target)
          ),
      { autoClose: 5000 }
    );
    await this.options.open(copy);
    return copy;
  }
}
