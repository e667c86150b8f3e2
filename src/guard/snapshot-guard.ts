import { Notification, showDialog, Dialog } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import type { DocumentRegistry } from '@jupyterlab/docregistry';
import type { TranslationBundle } from '@jupyterlab/translation';
import { DisposableDelegate, type IDisposable } from '@lumino/disposable';
import type { ISnapshotReport } from '../snapshot/accounting.js';
import { propose } from '../snapshot/advisor.js';
import { composeAmlignore } from '../snapshot/amlignore.js';
import {
  cleanFolderName,
  codeCells,
  companionFiles,
  findCompanions
} from '../snapshot/companions.js';
import { formatBytes, formatCount, visibleName } from '../snapshot/format.js';
import { joinPath } from '../snapshot/paths.js';
import { reportOf, type IScan } from '../snapshot/scan.js';
import type { ILimits } from '../snapshot/types.js';
import type { ISnapshotGuard, ISubmitTarget } from '../tokens.js';
import { showAmlignoreDialog } from '../ui/amlignore-dialog.js';
import { showCleanFolderDialog } from '../ui/clean-folder-dialog.js';
import { showManualSaveDialog } from '../ui/manual-save-dialog.js';
import { showReportDialog } from '../ui/report-dialog.js';
import { folderLabel } from '../ui/words.js';
import type { IFolderAccess } from './folder-access.js';
import { onlyKernelMetadataChanged } from './kernel-metadata.js';

export interface IGuardOptions {
  /** The file access to use now (helper kernel, or Contents API). */
  access(): Promise<IFolderAccess>;
  limits(): ILimits;
  /** Pattern of the clean folder's name, `{name}` = the notebook's name. */
  cleanFolderPattern(): string;
  /**
   * Open a notebook in a new tab; resolves once what opening writes next to
   * it (JupyterLab's first checkpoint) is on disk, so a check counts it.
   */
  open(path: string): Promise<void>;
  trans: TranslationBundle;
}

export interface IFlowOptions {
  /** The notebook to keep (and to save first, with its context). */
  notebook?: string;
  context?: DocumentRegistry.IContext<DocumentRegistry.IModel>;
  /** Go straight to this fix instead of showing the report first. */
  fix?: 'amlignore' | 'move';
}

/** Least time between progress updates of the check's notification. */
const PROGRESS_INTERVAL = 500;

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

  constructor(private options: IGuardOptions) {}

  async check(folder: string): Promise<ISnapshotReport> {
    const access = await this.options.access();
    return reportOf(await access.scan(folder, {}), this.options.limits());
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

  guard(
    notebookPath: string,
    context?: DocumentRegistry.IContext<DocumentRegistry.IModel>
  ): Promise<boolean> {
    return this.checkFolder(PathExt.dirname(notebookPath), {
      notebook: notebookPath,
      context
    });
  }

  /**
   * The flow for a folder; with a notebook, that notebook is saved first,
   * kept by every fix and can move to a clean folder.
   */
  async checkFolder(
    folder: string,
    options: IFlowOptions = {}
  ): Promise<boolean> {
    const key = options.notebook ?? `${folder}/`;
    if (this.running.has(key)) {
      return false;
    }
    this.running.add(key);
    try {
      return await this.run(folder, options);
    } finally {
      this.running.delete(key);
    }
  }

  private async run(folder: string, options: IFlowOptions): Promise<boolean> {
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
    for (;;) {
      const access = await this.options.access();
      const scan = await this.scanWithProgress(access, folder);
      if (scan === null) {
        return false;
      }
      const limits = this.options.limits();
      const report = reportOf(scan, limits);
      if (report.verdict !== 'over' && fix === undefined) {
        this.notifyWithin(report, access);
        return true;
      }
      const noHardLimit = limits.maxBytes === null && limits.maxFiles === null;
      // A fix asked for up front (from the SDK's error in a cell) skips the
      // report once: Azure ML already said the snapshot is too big.
      const choice =
        fix ??
        (await showReportDialog({
          report,
          folder: folderLabel(trans, folder),
          trans,
          caveat: access.caveat,
          canSubmitAnyway:
            noHardLimit && !report.reasons.some(r => r.limit === 'empty'),
          canMove: notebook !== undefined
        }));
      fix = undefined;
      if (choice === 'cancel') {
        return false;
      }
      if (choice === 'anyway') {
        return true;
      }
      if (choice === 'amlignore') {
        const rel = notebook ? relativeTo(folder, notebook) : undefined;
        if (!(await this.writeAmlignore(access, folder, scan, limits, rel))) {
          return false;
        }
        continue;
      }
      if (choice === 'move' && notebook) {
        const copy = await this.moveToCleanFolder(
          access,
          folder,
          notebook,
          scan
        );
        if (copy === null) {
          return false;
        }
        notebook = copy;
        folder = PathExt.dirname(copy);
      }
    }
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

  private async scanWithProgress(
    access: IFolderAccess,
    folder: string
  ): Promise<IScan | null> {
    const { trans } = this.options;
    const label = folderLabel(trans, folder);
    const abort = new AbortController();
    const actions = [
      {
        label: trans.__('Cancel'),
        callback: (event: MouseEvent) => {
          // The notification is closed below, once it has settled (by
          // default a toast's button closes it at once).
          event.preventDefault();
          abort.abort();
        }
      }
    ];
    const id = Notification.emit(
      trans.__('Checking the snapshot of %1…', label),
      'in-progress',
      { autoClose: false, actions }
    );
    // JupyterLab's toast for a notification dismissed less than ~300 ms
    // after an update stays on screen for good (the update re-renders it
    // after the dismissal). So: no update in the first moments, and the
    // dismissal waits until the last update has settled.
    let last = Date.now();
    let updated = false;
    const close = async () => {
      const settle = updated ? last + PROGRESS_INTERVAL - Date.now() : 0;
      if (settle > 0) {
        await new Promise(resolve => setTimeout(resolve, settle));
      }
      Notification.dismiss(id);
    };
    try {
      const scan = await access.scan(folder, {
        signal: abort.signal,
        onProgress: n => {
          const now = Date.now();
          if (now - last >= PROGRESS_INTERVAL) {
            last = now;
            updated = true;
            Notification.update({
              id,
              message: trans.__(
                'Checking the snapshot of %1: %2 files seen…',
                label,
                formatCount(n)
              ),
              type: 'in-progress',
              autoClose: false,
              actions
            });
          }
        }
      });
      await close();
      return scan;
    } catch (err) {
      await close();
      // New notifications rather than updates of the progress one, which
      // keeps the look of "in progress" (JupyterLab styles a toast by the
      // type it was created with).
      if (abort.signal.aborted) {
        Notification.info(trans.__('The check of %1 was cancelled.', label), {
          autoClose: 4000
        });
      } else {
        Notification.error(
          trans.__(
            'The snapshot of %1 could not be checked: %2',
            label,
            messageOf(err)
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
    const proposal = propose(scan, limits, { notebook });
    const lines = await showAmlignoreDialog({
      scan,
      limits,
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
    const result = await access.writeAmlignore(folder, text, expected);
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
    if (result === 'changed') {
      const again = await showDialog({
        title: trans.__('.amlignore changed'),
        body: trans.__(
          '.amlignore changed on disk after the check, so nothing was written. Check the folder again?'
        ),
        buttons: [
          Dialog.cancelButton({ label: trans.__('Cancel') }),
          Dialog.okButton({ label: trans.__('Check again') })
        ]
      });
      return again.button.accept;
    }
    await showManualSaveDialog({
      folder: folderLabel(trans, folder),
      text,
      trans
    });
    return false;
  }

  private async moveToCleanFolder(
    access: IFolderAccess,
    folder: string,
    notebook: string,
    scan: IScan
  ): Promise<string | null> {
    const { trans } = this.options;
    const rel = relativeTo(folder, notebook);
    const cells = codeCells(await access.readText(notebook));
    const companions = findCompanions(rel, cells, scan.files);
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
      ...companionFiles(choice.companions, scan.files).map(f => ({
        from: joinPath(folder, f.path),
        to: joinPath(target, f.path)
      }))
    ];
    try {
      await access.copyFiles(pairs);
    } catch (err) {
      // Leave the folder as it was: remove only what this action made.
      await access.removeCreated([...pairs.map(p => p.to), `${target}/`]);
      throw new GuardError(
        trans.__(
          'Copying into %1 failed, and the copy was removed: %2',
          target,
          messageOf(err)
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

function relativeTo(folder: string, path: string): string {
  return folder === '' ? path : path.slice(folder.length + 1);
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
