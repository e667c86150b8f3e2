/**
 * The Submit flow's pure parts (no DOM, no JupyterLab services), shared by
 * the dialog, the flow and the targets, and unit-tested in Node.
 */
import type { ISnapshotReport } from '../snapshot/accounting.js';
import type { IFileRecord } from '../snapshot/types.js';
import type { ISubmitField, ISubmitTarget, ISubmitWhere } from '../tokens.js';
import {
  commandWithInput,
  formatInputs,
  parseInputs,
  type IDataInput
} from '../snapshot/data-asset.js';

/** Target id of the Azure ML job target (src/submit/azureml-target.ts). */
const AZUREML = 'azureml';
/** Its choice of where the job's data comes from, and the choice's values. */
export const DATA_FIELD = 'data';
export const DATA_NONE = 'none';
export const DATA_ASSETS = 'assets';

/** What changed in the upload list between two checks. */
export interface ISnapshotChange {
  /** New files and files whose size changed, biggest first. */
  grown: IFileRecord[];
  removed: number;
}

/**
 * What changed between two checks of a folder (new or resized files,
 * removed files); `null` when the upload list is the same.
 */
export function snapshotChange(
  before: ISnapshotReport,
  after: ISnapshotReport
): ISnapshotChange | null {
  const sizes = new Map(before.included.map(f => [f.path, f.size]));
  const grown: IFileRecord[] = [];
  let kept = 0;
  for (const f of after.included) {
    const size = sizes.get(f.path);
    if (size === undefined || size !== f.size) {
      grown.push(f);
    }
    if (size !== undefined) {
      kept++;
    }
  }
  const removed = before.included.length - kept;
  if (grown.length === 0 && removed === 0) {
    return null;
  }
  grown.sort((a, b) => b.size - a.size);
  return { grown, removed };
}

/** Fields a target shows now (`when` applied). */
export function visibleFields(
  fields: readonly ISubmitField[],
  values: Readonly<Record<string, string>>
): ISubmitField[] {
  return fields.filter(
    f => !f.when || (values[f.when.field] ?? '') === f.when.equals
  );
}

/** A target's values as submitted: trimmed, hidden fields left out. */
export function submittedValues(
  target: ISubmitTarget,
  where: ISubmitWhere,
  values: Readonly<Record<string, string>>
): Record<string, string> {
  const fields = target.fields?.(where) ?? [];
  const out: Record<string, string> = {};
  for (const f of visibleFields(fields, values)) {
    out[f.id] = (values[f.id] ?? '').trim();
  }
  return out;
}

/** The zip's default name: the folder's name. */
export function archiveName(folder: string): string {
  const base = folder.slice(folder.lastIndexOf('/') + 1);
  return `${base || 'snapshot'}-snapshot.zip`;
}

/** The default server path: next to the folder, outside it. */
export function defaultServerPath(folder: string): string {
  if (folder === '') {
    return '';
  }
  const parent = folder.slice(0, Math.max(0, folder.lastIndexOf('/')));
  const name = archiveName(folder);
  return parent === '' ? name : `${parent}/${name}`;
}

/**
 * The Submit values once data moved to a datastore: the Azure ML target's
 * data comes from assets, its `inputs` field gains each one (an input of
 * the same name is replaced) and its command passes the mount path (`-p PARAM ${{inputs.name}}`).
 * Other targets' values are unchanged.
 */
export function withDataInputs(
  values: Readonly<Record<string, Readonly<Record<string, string>>>>,
  moved: readonly { input: IDataInput; parameter: string }[],
  targets: readonly ISubmitTarget[],
  where: ISubmitWhere
): Record<string, Record<string, string>> {
  const target = targets.find(t => t.id === AZUREML);
  const out: Record<string, Record<string, string>> = {};
  for (const [k, v] of Object.entries(values)) {
    out[k] = { ...v };
  }
  if (!target) {
    return out;
  }
  const fields = target.fields?.(where) ?? [];
  const current = { ...(out[AZUREML] ?? {}) };
  const defaultOf = (id: string) =>
    fields.find(f => f.id === id)?.default ?? '';
  let inputs: IDataInput[];
  try {
    inputs = parseInputs(current.inputs ?? '');
  } catch {
    inputs = [];
  }
  let command = current.command ?? defaultOf('command');
  for (const m of moved) {
    inputs = [...inputs.filter(i => i.input !== m.input.input), m.input];
    command = commandWithInput(command, m.input.input, m.parameter);
  }
  out[AZUREML] = {
    ...current,
    command,
    [DATA_FIELD]: DATA_ASSETS,
    inputs: formatInputs(inputs)
  };
  return out;
}
