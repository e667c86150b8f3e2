import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { CommandIDs, ISnapshotGuard } from '../tokens.js';

/**
 * "Check Azure ML snapshot" on a folder of the file browser (its context
 * menu is in schema/plugin.json) or the palette.
 */
export const folderCheckPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-snapshot-guard:folder-check',
  description: 'Checks any folder of the file browser as an Azure ML snapshot.',
  autoStart: true,
  requires: [ISnapshotGuard],
  optional: [ITranslator, ICommandPalette, IDefaultFileBrowser],
  activate: (
    app: JupyterFrontEnd,
    guard: ISnapshotGuard,
    translator: ITranslator | null,
    palette: ICommandPalette | null,
    browser: IDefaultFileBrowser | null
  ): void => {
    const trans = (translator ?? nullTranslator).load(
      'jupyterlab_snapshot_guard'
    );
    app.commands.addCommand(CommandIDs.checkFolder, {
      label: trans.__('Check Azure ML snapshot'),
      caption: trans.__('Measure this folder as an Azure ML code snapshot'),
      execute: async args => {
        let folder = typeof args.path === 'string' ? args.path : null;
        if (folder === null && browser) {
          const item = browser.selectedItems().next();
          const model = item && !item.done ? item.value : null;
          folder =
            model && model.type === 'directory'
              ? model.path
              : browser.model.path;
        }
        return guard.checkFolder(folder ?? '');
      }
    });
    palette?.addItem({
      command: CommandIDs.checkFolder,
      category: trans.__('Snapshot Guard')
    });
  }
};
