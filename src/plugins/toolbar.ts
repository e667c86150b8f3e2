import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { IToolbarWidgetRegistry, ToolbarButton } from '@jupyterlab/apputils';
import type { NotebookPanel } from '@jupyterlab/notebook';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { CommandIDs, ISnapshotGuard } from '../tokens.js';
import { submitIcon } from '../ui/icons.js';

/** The notebook toolbar's Submit button (placed by schema/plugin.json). */
export const toolbarPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-snapshot-guard:toolbar',
  description: "Adds a Submit button to each notebook's toolbar.",
  autoStart: true,
  requires: [ISnapshotGuard, IToolbarWidgetRegistry],
  optional: [ITranslator],
  activate: (
    app: JupyterFrontEnd,
    _guard: ISnapshotGuard,
    toolbars: IToolbarWidgetRegistry,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load(
      'jupyterlab_snapshot_guard'
    );
    // The button acts on its own panel, whatever has the focus.
    toolbars.addFactory<NotebookPanel>(
      'Notebook',
      'snapshot-guard-submit',
      panel =>
        new ToolbarButton({
          icon: submitIcon,
          label: trans.__('Submit'),
          tooltip: trans.__(
            'Check the snapshot of this notebook folder, then submit'
          ),
          className: 'jp-SnapshotGuard-submitButton',
          onClick: () => {
            void app.commands.execute(CommandIDs.submit, {
              path: panel.context.path
            });
          }
        })
    );
  }
};
