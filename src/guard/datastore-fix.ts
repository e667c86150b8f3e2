/**
 * "Move data to a datastore", the documentation's first fix: pick the
 * data, upload it with the notebook's SDK in the helper kernel (progress,
 * Cancel), and only once that has completed leave it out of the snapshot
 * through the same atomic, refuse-if-changed `.amlignore` write as the
 * `.amlignore` fix. A failed or cancelled upload excludes nothing.
 */
import { Notification } from '@jupyterlab/apputils';
import type { DocumentRegistry } from '@jupyterlab/docregistry';
import type { INotebookModel } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { IFolderAccess } from '../access/folder-access.js';
import { WriteRefusedError } from '../access/write-if-unchanged.js';
import type {
  IDataUploadRequest,
  IDataUploadResult
} from '../kernel/helper-protocol.js';
import type { IDataCandidate } from '../snapshot/advisor.js';
import { composeAmlignore } from '../snapshot/amlignore.js';
import { errorMessage } from '../snapshot/errors.js';
import { formatBytes, formatCount } from '../snapshot/format.js';
import { joinPath } from '../snapshot/paths.js';
import type { IScan } from '../snapshot/scan.js';
import type { Sdk } from '../snapshot/types.js';
import { inputNameFor, type IDataInput } from '../snapshot/data-asset.js';
import { showDatastoreDialog } from '../ui/datastore-dialog.js';
import { ProgressToast } from '../ui/progress-toast.js';
import { showManualSaveDialog } from '../ui/manual-save-dialog.js';
import { folderLabel } from '../ui/words.js';

/** What the fix needs of the helper kernel. */
export interface IDataUploader {
  dataVersions(sdk: Sdk, folder: string, name: string): Promise<string[]>;
  uploadData(
    request: IDataUploadRequest,
    options: { onProgress?(files: number): void; signal?: AbortSignal }
  ): Promise<IDataUploadResult>;
}

/** A data asset made for the job, and the papermill parameter it feeds. */
export interface IMovedData {
  input: IDataInput;
  parameter: string;
}

/**
 * Run the fix; the data asset made, or null when nothing was made
 * (cancelled, failed: then nothing was excluded either).
 */
export async function moveToDatastore(options: {
  uploader: IDataUploader;
  access: IFolderAccess;
  folder: string;
  /** Relative to `folder`. */
  notebook?: string;
  scan: IScan;
  /** The data it may move (`dataCandidates` of the scan). */
  candidates: readonly IDataCandidate[];
  /** The notebook's open document: the parameters cell can be added to it. */
  document?: DocumentRegistry.IContext<DocumentRegistry.IModel>;
  trans: TranslationBundle;
}): Promise<IMovedData | null> {
  const { uploader, access, folder, notebook, scan, trans } = options;
  const document = options.document;
  const sdk = scan.sdk;
  const choice = await showDatastoreDialog({
    candidates: options.candidates,
    canAddCell: document !== undefined,
    sdk,
    versionsOf: name => uploader.dataVersions(sdk, folder, name),
    trans
  });
  if (choice === null) {
    return null;
  }
  const total = choice.chosen.reduce((n, c) => n + c.files, 0);
  const bytes = choice.chosen.reduce((n, c) => n + c.bytes, 0);
  const progress = new ProgressToast(
    trans,
    trans.__(
      'Uploading %1 files (%2) to the datastore as %3:%4…',
      formatCount(total),
      formatBytes(bytes),
      choice.name,
      choice.version
    )
  );
  let result: IDataUploadResult;
  try {
    result = await uploader.uploadData(
      {
        sdk,
        folder,
        paths: choice.chosen.map(c => c.path),
        name: choice.name,
        version: choice.version,
        keep: notebook
      },
      {
        signal: progress.signal,
        onProgress: n =>
          progress.update(
            trans.__(
              'Uploading to the datastore as %1:%2: %3 of %4 files…',
              choice.name,
              choice.version,
              formatCount(n),
              formatCount(total)
            )
          )
      }
    );
  } catch (err) {
    if (progress.signal.aborted) {
      await progress.finish(
        'info',
        trans.__(
          'The upload was cancelled: no data asset is used and nothing was left out of the snapshot. Files already copied to the datastore stay there.'
        ),
        { autoClose: false }
      );
    } else {
      await progress.finish(
        'error',
        trans.__(
          'The data was not moved to a datastore: %1',
          errorMessage(err)
        ),
        { autoClose: false }
      );
    }
    return null;
  }
  await progress.dismiss();
  const moved: IMovedData = {
    input: {
      input: inputNameFor(result.name),
      asset: result.name,
      version: result.version,
      type: result.type
    },
    parameter: choice.parameter
  };
  // Only now: the data is in the datastore, so the snapshot may drop it.
  const patterns = choice.chosen.map(c => c.pattern);
  const { text } = composeAmlignore(scan, patterns);
  const expected = scan.ignoreFile === '.amlignore' ? scan.ignoreText : null;
  const asset = `${result.name}:${result.version}`;
  try {
    const written = await access.writeIfUnchanged(
      joinPath(folder, '.amlignore'),
      text,
      expected
    );
    if (written === 'written') {
      Notification.success(
        trans.__(
          'Uploaded %1 files as data asset %2; .amlignore now leaves them out of the snapshot. The job mounts the asset as input %3.',
          formatCount(result.files),
          asset,
          moved.input.input
        ),
        { autoClose: 8000 }
      );
    } else {
      Notification.warning(
        trans.__(
          'Data asset %1 was made, but .amlignore changed on disk after the check, so nothing was left out of the snapshot. The check runs again.',
          asset
        ),
        { autoClose: false }
      );
    }
  } catch (err) {
    if (!(err instanceof WriteRefusedError)) {
      throw err;
    }
    Notification.warning(
      trans.__(
        'Data asset %1 was made, but .amlignore was not written: %2',
        asset,
        err.message
      ),
      { autoClose: false }
    );
    await showManualSaveDialog({
      folder: folderLabel(trans, folder),
      text,
      trans
    });
  }
  if (choice.addCell && document) {
    await addParametersCell(document, choice.cell, trans);
  }
  return moved;
}

/**
 * Insert the `parameters` cell at the top of the open notebook and save it
 * (the user asked for it in the dialog); said in words when it fails.
 */
async function addParametersCell(
  document: DocumentRegistry.IContext<DocumentRegistry.IModel>,
  source: string,
  trans: TranslationBundle
): Promise<void> {
  const shared = (document.model as unknown as INotebookModel).sharedModel;
  try {
    shared.insertCell(0, {
      cell_type: 'code',
      source,
      metadata: { tags: ['parameters'] }
    });
    await document.save();
  } catch (err) {
    Notification.warning(
      trans.__(
        'The parameters cell was not added to the notebook: %1',
        err instanceof Error ? err.message : String(err)
      ),
      { autoClose: false }
    );
  }
}
