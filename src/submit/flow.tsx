/**
 * The Submit flow after the guard: the Submit dialog, a last check of the
 * folder, then the chosen target. One flow per notebook at a time.
 */
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import type { DocumentRegistry } from '@jupyterlab/docregistry';
import type { IStateDB } from '@jupyterlab/statedb';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { ReadonlyJSONObject } from '@lumino/coreutils';
import * as React from 'react';
import type { ISnapshotReport } from '../snapshot/accounting.js';
import { formatBytes } from '../snapshot/format.js';
import type {
  IGuardResult,
  ISubmitOutcome,
  ISubmitTarget,
  ISubmitWhere
} from '../tokens.js';
import { filesAndBytes, folderLabel, headlineText } from '../ui/words.js';
import { SubmitCancelled, SubmitError } from './errors.js';
import { withSizeLimit } from '../snapshot/raise-limit.js';
import {
  snapshotChange,
  withDataInputs,
  type ISnapshotChange
} from './model.js';
import { showSubmitDialog, type TargetValues } from './submit-dialog.js';
import { submittedValues } from './model.js';
import { errorMessage } from '../snapshot/errors.js';
import { parentOf } from '../snapshot/paths.js';
import { confirm } from '../ui/confirm.js';

type Context = DocumentRegistry.IContext<DocumentRegistry.IModel>;

/** What the flow needs of the guard. */
export interface IGuardForSubmit {
  /** `forSubmit`: also offer the fixes that apply to one submission only. */
  run(
    notebookPath: string,
    context?: Context,
    options?: { forSubmit?: boolean }
  ): Promise<IGuardResult>;
  check(folder: string, notebook?: string): Promise<ISnapshotReport>;
  readonly submitTargets: readonly ISubmitTarget[];
}

export interface ISubmitFlowOptions {
  guard: IGuardForSubmit;
  /** Remembers the target and its values per notebook. */
  state: IStateDB | null;
  /** The target preselected when a notebook has none remembered. */
  defaultTarget(): string;
  trans: TranslationBundle;
}

const STATE_PREFIX = 'snapshot-guard:submit:';

export class SubmitFlow {
  constructor(private options: ISubmitFlowOptions) {}

  /** True while a Submit flow for this notebook runs. */
  isRunning(path: string): boolean {
    return this._running.has(path);
  }

  async run(
    path: string,
    context?: Context,
    options: { target?: string } = {}
  ): Promise<ISubmitOutcome> {
    if (this._running.has(path)) {
      return { status: 'busy', path };
    }
    this._running.add(path);
    try {
      return await this._run(path, context, options.target);
    } finally {
      this._running.delete(path);
    }
  }

  private async _run(
    start: string,
    context: Context | undefined,
    preselect: string | undefined
  ): Promise<ISubmitOutcome> {
    const { guard, trans } = this.options;
    for (;;) {
      // The guard says where the notebook ended up (a fix may move it) and
      // what it measured there: no second scan before the dialog.
      let decided;
      try {
        decided = await guard.run(start, context, { forSubmit: true });
      } catch (err) {
        // A fix that failed (the helper kernel died while writing or
        // copying): its message says what was left.
        return this._fail(err, { path: start, folder: parentOf(start) });
      }
      start = decided.notebook;
      if (!decided.ok || decided.report === null) {
        return { status: 'cancelled', path: start };
      }
      context = undefined;
      const path = decided.notebook;
      const where: ISubmitWhere = { path, folder: decided.folder };
      const targets = guard.submitTargets;
      if (targets.length === 0) {
        return this._fail(
          new SubmitError(trans.__('No submit target is available.')),
          where
        );
      }
      const sizeLimit = decided.sizeLimit;
      // Judged under the limit raised for this submission, if any.
      const judged = (r: ISnapshotReport) =>
        sizeLimit === undefined ? r : withSizeLimit(r, sizeLimit);
      const report = judged(decided.report);
      // What the targets see: also the SDK the check decided.
      const checked: ISubmitWhere = { ...where, sdk: report.sdk };
      const saved = await this._load(path);
      if (decided.data) {
        // Data moved to a datastore: the job gets it as an input.
        saved.values = withDataInputs(
          saved.values,
          decided.data,
          targets,
          checked
        );
      }
      const choice = await showSubmitDialog({
        where: checked,
        targets,
        target: preselect ?? saved.target ?? this.options.defaultTarget(),
        remembered: saved.values,
        report,
        trans
      });
      if (choice === null) {
        return { status: 'cancelled', ...where };
      }
      await this._save(path, choice.target, choice.values);
      const target = targets.find(t => t.id === choice.target);
      if (!target) {
        return { status: 'cancelled', ...where };
      }
      const values = submittedValues(
        target,
        checked,
        choice.values[target.id] ?? {}
      );

      // The dialog may have stayed open for a while: check once more.
      let again: ISnapshotReport;
      try {
        again = judged(await this._check(where.folder, path));
      } catch (err) {
        return this._fail(err, where, target.id);
      }
      const change = snapshotChange(report, again);
      if (change !== null) {
        if (again.verdict === 'over') {
          if (await this._changedOver(where, change, again)) {
            continue;
          }
          return { status: 'cancelled', target: target.id, ...where };
        }
        Notification.info(
          trans.__(
            'The folder changed since the check (now %1); still within the limits, so the current files are submitted.',
            filesAndBytes(trans, again.files, again.bytes)
          ),
          { autoClose: 8000 }
        );
      }

      try {
        await target.submit({
          ...checked,
          report: again,
          values,
          ...(sizeLimit !== undefined ? { sizeLimit } : {})
        });
      } catch (err) {
        if (err instanceof SubmitCancelled) {
          return { status: 'cancelled', target: target.id, ...where };
        }
        return this._fail(err, where, target.id);
      }
      return { status: 'submitted', target: target.id, ...where };
    }
  }

  /** The engine's report, with a notification while it takes long. */
  private async _check(
    folder: string,
    notebook: string
  ): Promise<ISnapshotReport> {
    const { trans } = this.options;
    let id: string | null = null;
    const timer = setTimeout(() => {
      id = Notification.emit(
        trans.__('Checking the folder once more…'),
        'in-progress',
        { autoClose: false }
      );
    }, 500);
    try {
      return await this.options.guard.check(folder, notebook);
    } catch (err) {
      throw new SubmitError(
        trans.__(
          'The folder %1 could not be checked again: %2',
          folderLabel(trans, folder),
          errorMessage(err)
        ),
        { cause: err }
      );
    } finally {
      clearTimeout(timer);
      if (id !== null) {
        Notification.dismiss(id);
      }
    }
  }

  /** Tell the user the folder grew over the limits; true: check and fix. */
  private async _changedOver(
    where: ISubmitWhere,
    change: ISnapshotChange,
    report: ISnapshotReport
  ): Promise<boolean> {
    const { trans } = this.options;
    const shown = change.grown.slice(0, 5);
    const body = (
      <div className="jp-SnapshotGuard-changed">
        <p>
          {trans.__(
            'The folder changed after the check, and nothing was submitted. The snapshot is now: %1.',
            headlineText(trans, report, report.limits, report.reasons)
          )}
        </p>
        {shown.length > 0 && (
          <>
            <p>{trans.__('New or grown since the check:')}</p>
            <ul className="jp-SnapshotGuard-changedFiles">
              {shown.map(f => (
                <li key={f.path}>
                  <code>{f.path}</code> <span>{formatBytes(f.size)}</span>
                </li>
              ))}
              {change.grown.length > shown.length && (
                <li className="jp-SnapshotGuard-more">
                  {trans.__(
                    'and %1 more',
                    String(change.grown.length - shown.length)
                  )}
                </li>
              )}
            </ul>
          </>
        )}
      </div>
    );
    return confirm({
      title: trans.__('The folder changed after the check'),
      body,
      cancel: trans.__('Cancel'),
      accept: trans.__('Check and fix')
    });
  }

  private async _fail(
    err: unknown,
    where: ISubmitWhere,
    target?: string
  ): Promise<ISubmitOutcome> {
    const { trans } = this.options;
    const message = errorMessage(err);
    const title =
      err instanceof SubmitError && err.options.title
        ? err.options.title
        : trans.__('Not submitted');
    const details =
      err instanceof SubmitError ? err.options.details : undefined;
    await showDialog({
      title,
      body: (
        <div className="jp-SnapshotGuard-submitError">
          <p className="jp-SnapshotGuard-errorMessage">{message}</p>
          {details && (
            <details>
              <summary>{trans.__('Details')}</summary>
              <pre>{details}</pre>
            </details>
          )}
        </div>
      ),
      buttons: [Dialog.okButton({ label: trans.__('Close') })]
    });
    return { status: 'failed', target, message, ...where };
  }

  private async _load(
    path: string
  ): Promise<{ target?: string; values: TargetValues }> {
    const state = this.options.state;
    if (!state) {
      return { values: {} };
    }
    try {
      const saved = (await state.fetch(STATE_PREFIX + path)) as
        { target?: unknown; values?: unknown } | undefined;
      const target =
        typeof saved?.target === 'string' ? saved.target : undefined;
      const values =
        saved?.values && typeof saved.values === 'object'
          ? (saved.values as TargetValues)
          : {};
      return { target, values };
    } catch {
      return { values: {} };
    }
  }

  private async _save(
    path: string,
    target: string,
    values: TargetValues
  ): Promise<void> {
    try {
      await this.options.state?.save(STATE_PREFIX + path, {
        target,
        values
      } as ReadonlyJSONObject);
    } catch {
      // Remembering is a convenience: never stop a submission for it.
    }
  }

  private readonly _running = new Set<string>();
}
