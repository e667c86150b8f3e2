import { Notification } from '@jupyterlab/apputils';
import { PageConfig, PathExt } from '@jupyterlab/coreutils';
import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import type { KernelMessage } from '@jupyterlab/services';
import type { TranslationBundle } from '@jupyterlab/translation';
import {
  parseSnapshotFailure,
  serverRelative
} from '../snapshot/sdk-messages.js';
import type { ICheckFolderOptions } from '../tokens.js';
import { folderLabel } from '../ui/words.js';

export interface ICatcherOptions {
  tracker: INotebookTracker;
  /** Start the guard's flow on a folder, going straight to a fix. */
  fix(folder: string, options: ICheckFolderOptions): Promise<boolean>;
  trans: TranslationBundle;
}

/** Output text of an iopub message, for the kinds that carry any. */
function outputText(msg: KernelMessage.IMessage): string {
  const content = msg.content as any;
  switch (msg.header.msg_type) {
    case 'stream':
      return String(content.text ?? '');
    case 'error':
      return [content.ename, content.evalue, ...(content.traceback ?? [])].join(
        '\n'
      );
    case 'execute_result':
    case 'display_data':
      return String(content.data?.['text/plain'] ?? '');
    default:
      return '';
  }
}

/**
 * Watches every notebook's kernel output for the SDK's snapshot error (from
 * `experiment.submit(...)` or `ml_client.jobs.create_or_update(...)` in a
 * cell) and offers the two fixes for the folder the message names.
 */
export class SnapshotErrorCatcher {
  /** One notification per executed cell, however many outputs it prints. */
  private seen = new Set<string>();

  constructor(private options: ICatcherOptions) {
    options.tracker.widgetAdded.connect((_, panel) => this.watch(panel));
    options.tracker.forEach(panel => this.watch(panel));
  }

  private watch(panel: NotebookPanel) {
    panel.sessionContext.iopubMessage.connect((_, msg) => {
      const failure = parseSnapshotFailure(outputText(msg));
      if (!failure) {
        return;
      }
      const parent = (msg.parent_header as { msg_id?: string }).msg_id ?? '';
      const key = `${panel.id}:${parent}`;
      if (this.seen.has(key)) {
        return;
      }
      this.seen.add(key);
      this.notify(panel, failure.folder);
    });
  }

  private notify(panel: NotebookPanel, named: string | null) {
    const { trans } = this.options;
    const notebook = panel.context.path;
    const own = PathExt.dirname(notebook);
    const mapped =
      named === null
        ? own
        : serverRelative(named, PageConfig.getOption('serverRoot') || null);
    const folder = mapped ?? own;
    // Moving the notebook only helps when its own folder is the one too big.
    const isOwn = folder === own;
    const where = folderLabel(trans, folder);
    const actions = [
      {
        label: trans.__('Write .amlignore'),
        callback: () => {
          void this.options.fix(folder, {
            notebook: isOwn ? notebook : undefined,
            fix: 'amlignore'
          });
        }
      }
    ];
    if (isOwn) {
      actions.push({
        label: trans.__('Move to a clean folder'),
        callback: () => {
          void this.options.fix(folder, {
            notebook,
            context: panel.context,
            fix: 'move'
          });
        }
      });
    }
    Notification.error(
      trans.__(
        'Azure ML refused the code snapshot of %1: it is over the size or file-count limit.',
        where
      ),
      { autoClose: false, actions }
    );
  }
}
