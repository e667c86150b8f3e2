import { Token } from '@lumino/coreutils';
import type { IDisposable } from '@lumino/disposable';
import type { ISnapshotReport } from './snapshot/accounting.js';

export const PLUGIN_ID = 'jupyterlab-snapshot-guard:plugin';

/** Command ids; the schema binds keys and menus to them. */
export namespace CommandIDs {
  /** Check the notebook's folder, offer fixes, then submit. */
  export const submit = 'snapshot-guard:submit';
  /** Check the notebook's folder and show the report. */
  export const check = 'snapshot-guard:check';
  /** Check a folder picked in the file browser. */
  export const checkFolder = 'snapshot-guard:check-folder';
}

/** A place a checked notebook can be submitted to. */
export interface ISubmitTarget {
  id: string;
  label: string;
  /** Run the submission once the guard has passed. */
  submit(context: ISubmitContext): Promise<void>;
}

export interface ISubmitContext {
  /** Server-relative path of the notebook. */
  path: string;
  /** Server-relative path of the snapshot folder. */
  folder: string;
  report: ISnapshotReport;
}

/** What other extensions can use: the check, the guard and targets. */
export interface ISnapshotGuard {
  /** Measure a folder as Azure ML would (no dialog). */
  check(folder: string): Promise<ISnapshotReport>;
  /**
   * The interactive flow for a notebook: save, check, offer fixes. Resolves
   * to true when it is OK to go on submitting.
   */
  guard(notebookPath: string): Promise<boolean>;
  /** Add a submit target; dispose the result to remove it. */
  addTarget(target: ISubmitTarget): IDisposable;
}

export const ISnapshotGuard = new Token<ISnapshotGuard>(
  'jupyterlab-snapshot-guard:ISnapshotGuard',
  'Checks a folder the way Azure ML counts a code snapshot, before submitting.'
);
