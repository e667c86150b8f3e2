import { Clipboard, Dialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import type { IDataCandidate } from '../snapshot/advisor.js';
import {
  assetNameProblem,
  inputNameFor,
  inputWiringCode,
  nextVersion,
  parameterNameFor,
  parametersCell,
  suggestAssetName,
  type AssetNameProblem,
  type IDataInput
} from '../snapshot/data-asset.js';
import type { Sdk } from '../snapshot/types.js';
import {
  GuardBody,
  GuardDialog,
  acceptedValue,
  type BodyReporter
} from './dialog.js';
import { filesAndBytes } from './words.js';

export interface IDatastoreDialogOptions {
  candidates: readonly IDataCandidate[];
  /** Offer to add the parameters cell (the notebook is open). */
  canAddCell: boolean;
  sdk: Sdk;
  /** The versions the asset has in the workspace (the helper kernel asks). */
  versionsOf(name: string): Promise<string[]>;
  trans: TranslationBundle;
}

export interface IDatastoreChoice {
  chosen: IDataCandidate[];
  name: string;
  version: string;
  /** The papermill parameter the notebook reads the data's path from. */
  parameter: string;
  /** The `parameters` cell, and whether to add it to the notebook. */
  cell: string;
  addCell: boolean;
}

/**
 * Pick the data to move, name the data asset (checked against Azure ML's
 * rules, the next free version proposed) and see the code the notebook
 * needs; `null` when cancelled.
 */
export async function showDatastoreDialog(
  options: IDatastoreDialogOptions
): Promise<IDatastoreChoice | null> {
  const { trans } = options;
  const body = new GuardBody<IDatastoreChoice | null>(
    report => <DatastoreBody {...options} onState={report} />,
    { value: null, valid: false }
  );
  const dialog = new GuardDialog<IDatastoreChoice | null>({
    title: trans.__('Move data to a datastore'),
    body,
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.okButton({
        label: trans.__('Upload'),
        caption: trans.__(
          'Upload the checked data, make it a data asset, then leave it out of the snapshot'
        )
      })
    ],
    focusNodeSelector: '.jp-SnapshotGuard-assetName'
  });
  dialog.addClass('jp-SnapshotGuard-datastoreDialog');
  return acceptedValue(dialog);
}

/** Why a name is refused, in words. */
export function assetNameProblemText(
  trans: TranslationBundle,
  problem: AssetNameProblem
): string {
  switch (problem) {
    case 'empty':
      return trans.__('Enter a name for the data asset.');
    case 'too-long':
      return trans.__('A data asset name has at most 255 characters.');
    case 'spaces':
      return trans.__(
        'A data asset name has no spaces: use - or _ between words.'
      );
    case 'first-character':
      return trans.__('A data asset name starts with a letter or a digit.');
    default:
      return trans.__(
        'A data asset name has letters, digits, - and _ only (Azure ML’s rule).'
      );
  }
}

interface IDatastoreBodyProps extends IDatastoreDialogOptions {
  onState: BodyReporter<IDatastoreChoice | null>;
}

function DatastoreBody(props: IDatastoreBodyProps): JSX.Element {
  const { candidates, sdk, trans, onState, versionsOf } = props;
  const [checked, setChecked] = React.useState<boolean[]>(() =>
    candidates.map((_, i) => i === 0)
  );
  const first = candidates[0];
  const [name, setName] = React.useState(
    first ? suggestAssetName(first.path) : 'data'
  );
  const [versions, setVersions] = React.useState<
    { name: string; list: string[] } | { name: string; error: string } | null
  >(null);
  const problem = assetNameProblem(name);
  const chosen = candidates.filter((_, i) => checked[i]);
  const single = chosen.length === 1 ? chosen[0] : null;
  // azure-ai-ml's Data(path=…) is one folder or file.
  const several = sdk === 'v2' && chosen.length > 1;
  const parameter = single
    ? parameterNameFor(single.path, single.kind)
    : 'DATA_DIR';
  const localPath = single ? single.path : '.';
  const [addCell, setAddCell] = React.useState(false);
  const cell = parametersCell(parameter, localPath);
  const known = versions !== null && versions.name === name ? versions : null;
  const version = known && 'list' in known ? nextVersion(known.list) : null;

  React.useEffect(() => {
    if (problem !== null) {
      return;
    }
    let live = true;
    versionsOf(name).then(
      list => live && setVersions({ name, list }),
      err =>
        live &&
        setVersions({
          name,
          error: err instanceof Error ? err.message : String(err)
        })
    );
    return () => {
      live = false;
    };
  }, [name, problem === null]);

  React.useEffect(() => {
    const valid =
      problem === null && !several && chosen.length > 0 && version !== null;
    onState({
      value: valid
        ? { chosen, name, version: version!, parameter, cell, addCell }
        : null,
      valid
    });
  });

  const input: IDataInput = {
    input: inputNameFor(name || 'data'),
    asset: name || 'data',
    version: version ?? '…',
    type: single?.kind === 'file' ? 'uri_file' : 'uri_folder'
  };
  const code =
    parametersCell(parameter, localPath) +
    '\n# The job (set by Snapshot Guard in the Submit values):\n# ' +
    inputWiringCode(sdk, input) +
    '\n';

  return (
    <div className="jp-SnapshotGuard-datastore">
      <p>
        {trans.__(
          'The checked data is uploaded to the workspace’s datastore with %1 and made a data asset. Only when the upload has completed is it left out of the snapshot (.amlignore). Nothing on this machine is deleted.',
          sdk === 'v1' ? 'azureml-core' : 'azure-ai-ml'
        )}
      </p>
      <fieldset className="jp-SnapshotGuard-dataChoices">
        <legend>{trans.__('Data to move')}</legend>
        <ul>
          {candidates.map((c, i) => (
            <li key={c.path}>
              <label>
                <input
                  type="checkbox"
                  checked={checked[i]}
                  onChange={() =>
                    setChecked(checked.map((v, k) => (k === i ? !v : v)))
                  }
                />
                <code>{c.kind === 'dir' ? `${c.path}/` : c.path}</code>{' '}
                <span className="jp-SnapshotGuard-lineTally">
                  {filesAndBytes(trans, c.files, c.bytes)}
                </span>
              </label>
            </li>
          ))}
        </ul>
      </fieldset>
      <label className="jp-SnapshotGuard-field">
        <span>{trans.__('Data asset name')}</span>
        <input
          className="jp-mod-styled jp-SnapshotGuard-assetName"
          value={name}
          spellCheck={false}
          onChange={e => setName(e.target.value)}
        />
      </label>
      {several ? (
        <p className="jp-SnapshotGuard-problem" role="alert">
          {trans.__(
            'With azure-ai-ml a data asset is one folder or one file: tick one (or move the data into one folder first).'
          )}
        </p>
      ) : null}
      {problem !== null ? (
        <p className="jp-SnapshotGuard-problem" role="alert">
          {assetNameProblemText(trans, problem)}
        </p>
      ) : known && 'error' in known ? (
        <p className="jp-SnapshotGuard-problem" role="alert">
          {trans.__('The workspace could not be asked: %1', known.error)}
        </p>
      ) : (
        <p className="jp-SnapshotGuard-assetVersion">
          {version === null
            ? trans.__('Asking the workspace for the versions of %1…', name)
            : trans.__('Version %1 (the next free one)', version)}
        </p>
      )}
      <section className="jp-SnapshotGuard-dataCode">
        <p>
          {trans.__(
            'For papermill, the notebook reads the data’s path from a parameters cell: locally the path stays %1; the job passes the mount path with -p %2. Add this cell at the top of the notebook (tag it parameters):',
            localPath,
            parameter
          )}
        </p>
        <pre className="jp-SnapshotGuard-code">{code}</pre>
        <button
          type="button"
          className="jp-mod-styled jp-SnapshotGuard-copy"
          onClick={() =>
            Clipboard.copyToSystem(parametersCell(parameter, localPath))
          }
        >
          {trans.__('Copy the cell')}
        </button>
        {props.canAddCell ? (
          <label className="jp-SnapshotGuard-addCell">
            <input
              type="checkbox"
              checked={addCell}
              onChange={() => setAddCell(!addCell)}
            />
            {trans.__(
              'Add this cell at the top of the notebook (tagged parameters) once the upload has completed'
            )}
          </label>
        ) : null}
      </section>
    </div>
  );
}
