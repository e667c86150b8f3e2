/**
 * The documentation's first fix, "keep data in a datastore": the pure
 * parts (no DOM, no kernel). A data asset's name and version, and how a
 * job gets it as an input. The upload itself runs in the helper kernel
 * (src/kernel/helper/data.py). Pure: no DOM, no kernel.
 */
import type { Sdk } from './types.js';

/**
 * Azure ML's rule for a data asset's name: the service's REST contract, as
 * azure-ai-ml's generated client enforces it for
 * `workspaces/{workspace}/data/{name}/versions/{version}`. Read in
 * azure-ai-ml 1.4.0 (Debian's python3-azure 20230112+git-1),
 * azure/ai/ml/_restclient/v2022_10_01/operations/_data_versions_operations.py,
 * build_create_or_update_request: `pattern=r'^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$'`.
 */
export const ASSET_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$/;
export const ASSET_NAME_MAX = 255;

/**
 * A job input's name: azure-ai-ml refuses any other key
 * (azure/ai/ml/entities/_job/_input_output_helpers.py, same release:
 * `^[a-zA-Z_]+[a-zA-Z0-9_]*$`).
 */
export const INPUT_NAME_PATTERN = /^[a-zA-Z_]+[a-zA-Z0-9_]*$/;

export type AssetNameProblem =
  'empty' | 'too-long' | 'spaces' | 'first-character' | 'characters';

/** Why a data asset name is refused by Azure ML, or null. */
export function assetNameProblem(name: string): AssetNameProblem | null {
  if (ASSET_NAME_PATTERN.test(name)) {
    return null;
  }
  if (name === '') {
    return 'empty';
  }
  if (name.length > ASSET_NAME_MAX) {
    return 'too-long';
  }
  if (/\s/.test(name)) {
    return 'spaces';
  }
  if (!/^[a-zA-Z0-9]/.test(name)) {
    return 'first-character';
  }
  return 'characters';
}

/** A valid asset name made from a folder or file name (`my data.csv` → `my-data`). */
export function suggestAssetName(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1).replace(/\.[^.]*$/, '');
  const cleaned = base
    .replace(/[^a-zA-Z0-9\-_]+/g, '-')
    .replace(/^[-_]+/, '')
    .replace(/-+$/, '')
    .slice(0, ASSET_NAME_MAX);
  return cleaned === '' ? 'data' : cleaned;
}

/**
 * The next free version: one more than the highest whole-number version,
 * "1" for a new asset. Versions that are not whole numbers (Azure ML
 * allows any string) never collide with the number chosen.
 */
export function nextVersion(existing: readonly string[]): string {
  let top = 0;
  for (const v of existing) {
    if (/^\d+$/.test(v)) {
      top = Math.max(top, Number(v));
    }
  }
  return String(top + 1);
}

/** A valid input name for an asset (`train-data` → `train_data`). */
export function inputNameFor(assetName: string): string {
  let name = assetName.replace(/[^a-zA-Z0-9_]/g, '_');
  if (!/^[a-zA-Z_]/.test(name)) {
    name = `_${name}`;
  }
  return name;
}

/** A data asset the job mounts, as the Submit values hold it. */
export interface IDataInput {
  /** The job input's name (INPUT_NAME_PATTERN). */
  input: string;
  asset: string;
  version: string;
  type: 'uri_folder' | 'uri_file';
}

/**
 * `data=azureml:train-data:3; x=azureml:y:1 (file)` ↔ inputs: the Submit
 * field's text (one line: the field is a single-line input).
 */
export function formatInputs(inputs: readonly IDataInput[]): string {
  return inputs
    .map(
      i =>
        `${i.input}=azureml:${i.asset}:${i.version}${i.type === 'uri_file' ? ' (file)' : ''}`
    )
    .join('; ');
}

/** Parse the Submit field; throws an Error naming the bad line. */
export function parseInputs(text: string): IDataInput[] {
  const out: IDataInput[] = [];
  for (const raw of text.split(/[\n;]/)) {
    const line = raw.trim();
    if (line === '') {
      continue;
    }
    const m =
      /^([^=\s]+)\s*=\s*azureml:([^:\s]+):([^:\s]+)(\s+\(file\))?$/.exec(line);
    if (
      !m ||
      !INPUT_NAME_PATTERN.test(m[1]) ||
      assetNameProblem(m[2]) !== null
    ) {
      throw new Error(line);
    }
    out.push({
      input: m[1],
      asset: m[2],
      version: m[3],
      type: m[4] ? 'uri_file' : 'uri_folder'
    });
  }
  return out;
}

/** Where the job's command gets the mount path of an input. */
export function inputReference(input: string): string {
  return `\${{inputs.${input}}}`;
}

/**
 * The command with the input passed to papermill as a parameter
 * (`-p DATA_DIR ${{inputs.data}}`); other commands get the path appended.
 * Unchanged when it already refers to the input.
 */
export function commandWithInput(
  command: string,
  input: string,
  parameter: string
): string {
  const ref = inputReference(input);
  if (command.includes(ref)) {
    return command;
  }
  return /^\s*papermill\b/.test(command)
    ? `${command} -p ${parameter} ${ref}`
    : `${command} ${ref}`;
}

/**
 * What the SDK is handed for each input, as Python source: shown to the
 * user, and what the helper kernel builds (src/kernel/helper/data.py).
 */
export function inputWiringCode(sdk: Sdk, i: IDataInput): string {
  return sdk === 'v2'
    ? `inputs={${JSON.stringify(i.input)}: Input(type=${JSON.stringify(i.type)}, path=${JSON.stringify(`azureml:${i.asset}:${i.version}`)})}`
    : `Dataset.get_by_name(ws, name=${JSON.stringify(i.asset)}, version=${JSON.stringify(i.version)}).as_named_input(${JSON.stringify(i.input)}).as_mount()`;
}

/** A papermill `parameters` cell for the data folder, local path by default. */
export function parametersCell(parameter: string, localPath: string): string {
  return `# parameters\n${parameter} = ${JSON.stringify(localPath)}\n`;
}

/** `data` → `DATA_DIR`, `train.csv` → `TRAIN_CSV_PATH`. */
export function parameterNameFor(path: string, kind: 'dir' | 'file'): string {
  const base = path.slice(path.lastIndexOf('/') + 1).toUpperCase();
  let name = base.replace(/[^A-Z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'DATA';
  if (/^\d/.test(name)) {
    name = `_${name}`;
  }
  return `${name}_${kind === 'dir' ? 'DIR' : 'PATH'}`;
}
