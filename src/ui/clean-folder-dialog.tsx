import { Dialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import type { ICompanion } from '../snapshot/companions.js';
import { formatBytes } from '../snapshot/format.js';
import { isInside } from '../snapshot/paths.js';
import {
  GuardBody,
  GuardDialog,
  acceptedValue,
  type BodyReporter
} from './dialog.js';
import { PathName } from './path-name.js';
import { companionReasonText, filesAndBytes, filesText } from './words.js';

export interface ICleanFolderDialogOptions {
  /** The notebook, relative to its folder. */
  notebook: string;
  /** The proposed name of the new subfolder. */
  folderName: string;
  /** What the notebook seems to need beside it. */
  companions: ICompanion[];
  trans: TranslationBundle;
}

export interface ICleanFolderChoice {
  folderName: string;
  /** The companions to copy (checked ones), in the given order. */
  companions: ICompanion[];
}

const FOLDER_NAME_CLASS = 'jp-SnapshotGuard-folderName';

/**
 * Ask for the name of a clean subfolder and the files to copy along with
 * the notebook; `null` when cancelled.
 */
export async function showCleanFolderDialog(
  options: ICleanFolderDialogOptions
): Promise<ICleanFolderChoice | null> {
  const { trans } = options;
  const initial: ICleanFolderChoice = {
    folderName: options.folderName.trim(),
    companions: options.companions.filter(c => c.checked)
  };
  const body = new GuardBody<ICleanFolderChoice>(
    report => <CleanFolderBody {...options} onState={report} />,
    { value: initial, valid: folderNameProblem(initial.folderName) === null }
  );
  const dialog = new GuardDialog<ICleanFolderChoice>({
    title: trans.__('Move to a clean folder'),
    body,
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.okButton({
        label: trans.__('Copy'),
        caption: trans.__('Create the folder and copy the files into it')
      })
    ],
    focusNodeSelector: `.${FOLDER_NAME_CLASS}`
  });
  dialog.addClass('jp-SnapshotGuard-cleanDialog');
  return acceptedValue(dialog);
}

type FolderNameProblem = 'empty' | 'slash' | 'dots';

/** Why a folder name cannot be used, or `null`. */
export function folderNameProblem(name: string): FolderNameProblem | null {
  const trimmed = name.trim();
  if (trimmed === '') {
    return 'empty';
  }
  if (/[/\\]/.test(trimmed)) {
    return 'slash';
  }
  if (trimmed === '.' || trimmed === '..') {
    return 'dots';
  }
  return null;
}

function problemText(
  trans: TranslationBundle,
  problem: FolderNameProblem
): string {
  switch (problem) {
    case 'empty':
      return trans.__('Enter a name for the new folder.');
    case 'slash':
      return trans.__('A folder name cannot contain / or \\.');
    default:
      return trans.__('“.” and “..” cannot be used as folder names.');
  }
}

export interface ICleanFolderBodyProps extends ICleanFolderDialogOptions {
  onState: BodyReporter<ICleanFolderChoice>;
}

/** The body of the clean-folder dialog. */
export function CleanFolderBody(props: ICleanFolderBodyProps): JSX.Element {
  const { notebook, companions, trans, onState } = props;
  const ids = React.useId();
  const [name, setName] = React.useState(props.folderName);
  const [checked, setChecked] = React.useState<boolean[]>(() =>
    companions.map(c => c.checked)
  );
  const selectedOnce = React.useRef(false);

  const problem = folderNameProblem(name);
  const chosen = companions.filter((_, i) => checked[i]);
  const key = `${name}\n${checked.join(',')}`;
  React.useLayoutEffect(() => {
    onState({
      value: { folderName: name.trim(), companions: chosen },
      valid: problem === null
    });
    // `key` stands for `name` and `chosen`.
  }, [key, onState]);

  // What will be copied: a file inside a chosen folder counts once.
  const counted = chosen.filter(
    c =>
      !chosen.some(d => d !== c && d.kind === 'dir' && isInside(c.path, d.path))
  );
  let files = 0;
  let bytes = 0;
  for (const c of counted) {
    files += c.files;
    bytes += c.bytes;
  }

  const nameId = `${ids}-name`;
  const errorId = `${ids}-error`;
  return (
    <div className="jp-SnapshotGuard-clean">
      <p className="jp-SnapshotGuard-note">
        {trans.__(
          'Copies the notebook and the files it needs into a new, empty subfolder; the original stays untouched.'
        )}
      </p>
      <p className="jp-SnapshotGuard-notebook">
        {trans.__('Notebook:')} <PathName path={notebook} />
      </p>
      <div className="jp-SnapshotGuard-field">
        <label htmlFor={nameId}>{trans.__('New folder name')}</label>
        <input
          id={nameId}
          type="text"
          className={`jp-mod-styled ${FOLDER_NAME_CLASS}`}
          value={name}
          required
          spellCheck={false}
          autoComplete="off"
          aria-invalid={problem !== null}
          aria-describedby={errorId}
          onChange={e => setName(e.currentTarget.value)}
          onFocus={e => {
            if (!selectedOnce.current) {
              selectedOnce.current = true;
              e.currentTarget.select();
            }
          }}
        />
        <p id={errorId} className="jp-SnapshotGuard-error" aria-live="polite">
          {problem !== null
            ? problemText(trans, problem)
            : trans.__(
                'Created inside the notebook’s folder; a number is added if the name is taken.'
              )}
        </p>
      </div>
      <fieldset className="jp-SnapshotGuard-companions">
        <legend>{trans.__('Copy along with the notebook')}</legend>
        {companions.length === 0 ? (
          <p className="jp-SnapshotGuard-empty">
            {trans.__(
              'Nothing else found that the notebook needs: only the notebook is copied.'
            )}
          </p>
        ) : (
          <ul>
            {companions.map((c, i) => (
              <li key={c.path} className="jp-SnapshotGuard-companion">
                <label>
                  <input
                    type="checkbox"
                    checked={checked[i]}
                    onChange={() =>
                      setChecked(checked.map((v, j) => (j === i ? !v : v)))
                    }
                  />
                  <PathName path={c.kind === 'dir' ? `${c.path}/` : c.path} />
                  <span className="jp-SnapshotGuard-companionReason">
                    {c.kind === 'dir' && !c.checked
                      ? trans.__(
                          '%1 (large: not selected at first)',
                          companionReasonText(trans, c.reason)
                        )
                      : companionReasonText(trans, c.reason)}
                  </span>
                </label>
                <span className="jp-SnapshotGuard-companionSize">
                  {c.kind === 'dir'
                    ? trans.__(
                        '%1, %2',
                        filesText(trans, c.files),
                        formatBytes(c.bytes)
                      )
                    : formatBytes(c.bytes)}
                </span>
              </li>
            ))}
          </ul>
        )}
      </fieldset>
      <p className="jp-SnapshotGuard-copyTotals">
        {counted.length === 0
          ? trans.__('To copy: the notebook only.')
          : trans.__(
              'To copy: the notebook and %1.',
              filesAndBytes(trans, files, bytes)
            )}
      </p>
      <p className="jp-SnapshotGuard-hint">
        {trans.__(
          'The copy opens in a new tab whose title is marked with the new folder’s name; run the job from there.'
        )}
      </p>
    </div>
  );
}
