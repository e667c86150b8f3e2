import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { SnapshotErrorCatcher } from '../catcher/snapshot-error-catcher.js';
import { ISnapshotGuard } from '../tokens.js';

/** The SDK's snapshot error printed by a cell leads to the same fixes. */
export const catcherPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-snapshot-guard:catcher',
  description:
    "Recognises Azure ML's snapshot error in a cell's output and offers the fixes.",
  autoStart: true,
  requires: [ISnapshotGuard, INotebookTracker],
  optional: [ITranslator],
  activate: (
    _app: JupyterFrontEnd,
    guard: ISnapshotGuard,
    tracker: INotebookTracker,
    translator: ITranslator | null
  ): void => {
    new SnapshotErrorCatcher({
      tracker,
      fix: (folder, options) => guard.checkFolder(folder, options),
      trans: (translator ?? nullTranslator).load('jupyterlab_snapshot_guard')
    });
  }
};
