import { Dialog, showDialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { formatBytes, formatDuration } from '../snapshot/format.js';
import { uploadSeconds } from '../snapshot/raise-limit.js';
import { filesText } from './words.js';

export interface IRaiseLimitDialogOptions {
  /** The SDK's limit now, and the one for this submission. */
  from: number;
  to: number;
  /** What the SDK's size check adds up, and what it uploads. */
  totalBytes: number;
  uploadBytes: number;
  files: number;
  /** The upload speed the estimate assumes, in Mbit/s. */
  uploadMbps: number;
  trans: TranslationBundle;
}

/**
 * Confirm raising azureml-core's size limit for one submission: what it
 * changes, how much is uploaded and about how long that takes.
 */
export async function showRaiseLimitDialog(
  options: IRaiseLimitDialogOptions
): Promise<boolean> {
  const { trans } = options;
  const seconds = uploadSeconds(options.uploadBytes, options.uploadMbps);
  const body = (
    <div className="jp-SnapshotGuard-raiseLimit">
      <p>
        {trans.__(
          'For this submission only, the helper kernel sets azureml-core’s SNAPSHOT_MAX_SIZE_BYTES from %1 to %2, and restores it afterwards.',
          formatBytes(options.from),
          formatBytes(options.to)
        )}
      </p>
      <dl className="jp-SnapshotGuard-raiseLimitFigures">
        <dt>{trans.__('Size check')}</dt>
        <dd>{formatBytes(options.totalBytes)}</dd>
        <dt>{trans.__('Upload')}</dt>
        <dd>
          {trans.__(
            '%1 in %2',
            formatBytes(options.uploadBytes),
            filesText(trans, options.files)
          )}
        </dd>
        <dt>{trans.__('Time')}</dt>
        <dd>
          {seconds === null
            ? trans.__('unknown (set Upload bandwidth in the settings)')
            : trans.__(
                'about %1 at %2 Mbit/s (Upload bandwidth in the settings)',
                formatDuration(seconds),
                String(options.uploadMbps)
              )}
        </dd>
      </dl>
      <p>
        {trans.__(
          'Azure ML uploads every new or changed file again with each submission. Data that the job reads is better kept in a datastore.'
        )}
      </p>
    </div>
  );
  const result = await showDialog({
    title: trans.__('Raise the size limit for this submission'),
    body,
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.warnButton({ label: trans.__('Raise and go on') })
    ]
  });
  return result.button.accept;
}
