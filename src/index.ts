/**
 * JupyterLab front-end entry point (placeholder).
 *
 * Registers the `snapshot-guard:submit` command; the Notebook toolbar button
 * that triggers it is declared in `schema/plugin.json` under
 * `jupyter.lab.toolbars` and rendered by JupyterLab's default toolbar factory.
 * The real checks replace the body of `execute` later.
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { LabIcon } from '@jupyterlab/ui-components';

/** The plugin id; also the settings schema id (`schema/plugin.json`). */
export const PLUGIN_ID = 'jupyterlab-snapshot-guard:plugin';

/** Command ids. */
export namespace CommandIds {
  export const submit = 'snapshot-guard:submit';
}

/** Toolbar/command icon: an upload arrow over a tray. */
export const submitIcon = new LabIcon({
  name: 'snapshot-guard:submit',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">' +
    '<path class="jp-icon3" fill="#616161" d="M11 16V7.8l-3.6 3.6L6 10l6-6 ' +
    '6 6-1.4 1.4L13 7.8V16h-2zm-7 4v-5h2v3h12v-3h2v5H4z"/></svg>'
});

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'Checks a notebook folder against Azure ML snapshot limits before submit.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ITranslator, ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    translator: ITranslator | null,
    settingRegistry: ISettingRegistry | null
  ) => {
    const trans = (translator ?? nullTranslator).load(
      'jupyterlab_snapshot_guard'
    );

    app.commands.addCommand(CommandIds.submit, {
      label: trans.__('Submit'),
      caption: trans.__('Check the snapshot and submit this notebook'),
      icon: submitIcon,
      isEnabled: () => tracker.currentWidget !== null,
      execute: () => {
        const panel = tracker.currentWidget;
        if (!panel) {
          return;
        }
        Notification.info(
          trans.__('Snapshot Guard: ready to submit %1', panel.context.path),
          { autoClose: 5000 }
        );
      }
    });
    tracker.currentChanged.connect(() => {
      app.commands.notifyCommandChanged(CommandIds.submit);
    });

    if (settingRegistry) {
      settingRegistry.load(PLUGIN_ID).catch(reason => {
        console.error('snapshot-guard: failed to load settings', reason);
      });
    }
  }
};

export default plugin;
