import { Dialog, showDialog } from '@jupyterlab/apputils';
import type * as React from 'react';

export interface IConfirmOptions {
  title: string;
  body: string | React.ReactElement;
  /** The accepting button's label. */
  accept: string;
  /** The other button's label. */
  cancel: string;
  /** The accepting button does something that cannot be undone. */
  warn?: boolean;
}

/** A yes-or-no question; true when the user accepted. */
export async function confirm(options: IConfirmOptions): Promise<boolean> {
  const accept = options.warn ? Dialog.warnButton : Dialog.okButton;
  const result = await showDialog({
    title: options.title,
    body: options.body,
    buttons: [
      Dialog.cancelButton({ label: options.cancel }),
      accept({ label: options.accept })
    ]
  });
  return result.button.accept;
}
