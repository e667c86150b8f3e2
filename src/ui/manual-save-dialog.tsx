import {
  Clipboard,
  Dialog,
  Notification,
  showDialog
} from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

export interface IManualSaveOptions {
  /** The snapshot folder as the user should read it. */
  folder: string;
  /** The whole `.amlignore` to save. */
  text: string;
  trans: TranslationBundle;
}

/**
 * When the server will not let JupyterLab write a hidden file: show the
 * `.amlignore` text, line for line, and offer to copy it.
 */
export async function showManualSaveDialog(
  options: IManualSaveOptions
): Promise<void> {
  const { folder, text, trans } = options;
  const result = await showDialog({
    title: trans.__('Save .amlignore yourself'),
    body: (
      <div className="jp-SnapshotGuard-manual">
        <p>
          {trans.__(
            'This server does not let JupyterLab write hidden files. Save this text as .amlignore in %1:',
            folder
          )}
        </p>
        <pre>{text}</pre>
      </div>
    ),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Close') }),
      Dialog.okButton({ label: trans.__('Copy text') })
    ]
  });
  if (result.button.accept) {
    Clipboard.copyToSystem(text);
    Notification.info(trans.__('The .amlignore text is on the clipboard.'), {
      autoClose: 4000
    });
  }
}
