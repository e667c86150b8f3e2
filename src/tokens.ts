import type { DocumentRegistry } from '@jupyterlab/docregistry';
import { Token } from '@lumino/coreutils';
import type { IDisposable } from '@lumino/disposable';
import type { ISnapshotReport } from './snapshot/accounting.js';
import type { IDataInput } from './snapshot/data-asset.js';
import type { Sdk } from './snapshot/types.js';
import type { ISnapshotSummary } from './snapshot/summary.js';

export const PLUGIN_ID = 'jupyterlab-snapshot-guard:plugin';

/** Command ids; the schema binds keys and menus to them. */
export namespace CommandIDs {
  /** Check the notebook's folder, offer fixes, then submit. */
  export const submit = 'snapshot-guard:submit';
  /**
   * Check the notebook's folder (args `{path?, report?}`); the report shows
   * when the folder is near or over the limits, or always with `report`.
   */
  export const check = 'snapshot-guard:check';
  /** Check a folder picked in the file browser. */
  export const checkFolder = 'snapshot-guard:check-folder';
}

/** One input of a submit target, shown in the Submit dialog. */
export interface ISubmitField {
  /** Key in `ISubmitContext.values`. */
  id: string;
  label: string;
  /** The value when the notebook has none remembered (default `''`). */
  default?: string;
  placeholder?: string;
  /** A line under the input. */
  description?: string;
  /** Makes the field a choice between these values. */
  options?: { value: string; label: string }[];
  /** An empty value disables Submit. */
  required?: boolean;
  /** Monospace input (commands, paths). */
  code?: boolean;
  /** Show (and use) the field only while another field has this value. */
  when?: { field: string; equals: string };
}

/** What a target knows before the dialog: the checked notebook and folder. */
export interface ISubmitWhere {
  /** Server-relative path of the notebook. */
  path: string;
  /** Server-relative path of the snapshot folder (`''`: the server root). */
  folder: string;
  /** The SDK the check decided (profile auto: the code's imports). */
  sdk?: Sdk;
}

/** A place a checked notebook can be submitted to. */
export interface ISubmitTarget {
  id: string;
  label: string;
  /** A sentence under the target chooser (what Submit will do). */
  describe?(where: ISubmitWhere): string;
  /** The target's inputs; values are remembered per notebook. */
  fields?(where: ISubmitWhere): ISubmitField[];
  /** Why these values cannot be submitted, or `null`. */
  validate?(
    values: Readonly<Record<string, string>>,
    where: ISubmitWhere
  ): string | null;
  /**
   * Run the submission once the guard has passed and the folder was checked
   * again. Reject with an `Error` whose message is meant for the user.
   */
  submit(context: ISubmitContext): Promise<void>;
}

export interface ISubmitContext extends ISubmitWhere {
  /** The report of the check made right before this call. */
  report: ISnapshotReport;
  /** The values of the target's fields, as entered (trimmed). */
  values: Readonly<Record<string, string>>;
  /**
   * azureml-core's size limit (`SNAPSHOT_MAX_SIZE_BYTES`), raised by the
   * user for this submission only; absent: the SDK's own.
   */
  sizeLimit?: number;
}

/**
 * How a Submit flow ended: the result of the `snapshot-guard:submit`
 * command (args `{path?, target?}`).
 */
export interface ISubmitOutcome {
  status: 'submitted' | 'cancelled' | 'failed' | 'busy';
  /** The target used, when one was chosen. */
  target?: string;
  /** The notebook and folder submitted (after a move to a clean folder). */
  path?: string;
  folder?: string;
  /** For `failed`: what the user was told. */
  message?: string;
}

/** A check's totals and verdict, and how far to trust them. */
export interface ISnapshotMeasure extends ISnapshotSummary {
  /** A limitation of this check (the Contents API fallback), or null. */
  caveat: string | null;
}

/** How `checkFolder` starts. */
export interface ICheckFolderOptions {
  /** A notebook in the folder that every fix keeps (and may move). */
  notebook?: string;
  /** The notebook's document, saved before the check. */
  context?: DocumentRegistry.IContext<DocumentRegistry.IModel>;
  /** Go straight to this fix instead of showing the report first. */
  fix?: 'amlignore' | 'move';
  /** Show the report even when the folder is within the limits. */
  report?: boolean;
}

/** What the interactive flow decided. */
export interface IGuardResult {
  /** True when it is OK to go on submitting. */
  ok: boolean;
  /** The notebook to submit: a copy after "Move to a clean folder". */
  notebook: string;
  /** The snapshot folder: the notebook's folder. */
  folder: string;
  /** The last check's report; null when no check completed. */
  report: ISnapshotReport | null;
  /** azureml-core's size limit, raised by the user for this submission. */
  sizeLimit?: number;
  /**
   * Data moved to a datastore during the flow: the job mounts each asset,
   * its path passed to the papermill parameter named.
   */
  data?: { input: IDataInput; parameter: string }[];
}

/** What other extensions can use: the check, the guard and targets. */
export interface ISnapshotGuard {
  /** Measure a folder as Azure ML would (no dialog). */
  check(folder: string, notebook?: string): Promise<ISnapshotReport>;
  /**
   * The totals and verdict of `check`, measured away from the page's main
   * thread where possible: for displays that check often (the meter).
   */
  measure(
    folder: string,
    options?: { signal?: AbortSignal }
  ): Promise<ISnapshotMeasure>;
  /**
   * The interactive flow for a notebook: save, check, offer fixes. Resolves
   * to what it decided and where the notebook ended up (a fix may move it).
   */
  run(notebookPath: string): Promise<IGuardResult>;
  /** `run`, resolving to `ok` only. */
  guard(notebookPath: string): Promise<boolean>;
  /**
   * The interactive flow for a folder (the file browser's "Check Azure ML
   * snapshot"); resolves to true when the folder may be submitted.
   */
  checkFolder(folder: string, options?: ICheckFolderOptions): Promise<boolean>;
  /** Add a submit target; dispose the result to remove it. */
  addTarget(target: ISubmitTarget): IDisposable;
  /** The targets, in the order they were added. */
  readonly submitTargets: readonly ISubmitTarget[];
}

export const ISnapshotGuard = new Token<ISnapshotGuard>(
  'jupyterlab-snapshot-guard:ISnapshotGuard',
  'Checks a folder the way Azure ML counts a code snapshot, before submitting.'
);
