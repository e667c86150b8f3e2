/**
 * The built-in Submit targets, each a plugin that registers through
 * `ISnapshotGuard.addTarget`, as a third party's would.
 */
import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { archiveTarget } from '../submit/archive-target.js';
import { azuremlTarget } from '../submit/azureml-target.js';
import { commandTarget } from '../submit/command-target.js';
import { SubmitSettings } from '../submit/settings.js';
import { ISnapshotGuard, PLUGIN_ID } from '../tokens.js';
import { IHelperKernelProvider } from './helper-kernel.js';

const translate = (translator: ITranslator | null) =>
  (translator ?? nullTranslator).load('jupyterlab_snapshot_guard');

export const azuremlTargetPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-snapshot-guard:azureml-target',
  description: 'Submits a checked notebook as an Azure ML command job.',
  autoStart: true,
  requires: [ISnapshotGuard, ISettingRegistry, IHelperKernelProvider],
  optional: [ITranslator],
  activate: async (
    _app: JupyterFrontEnd,
    guard: ISnapshotGuard,
    registry: ISettingRegistry,
    kernels: IHelperKernelProvider,
    translator: ITranslator | null
  ): Promise<void> => {
    const settings = new SubmitSettings(await registry.load(PLUGIN_ID));
    guard.addTarget(
      azuremlTarget({
        helper: () => kernels.helper(),
        settings,
        trans: translate(translator)
      })
    );
  }
};

export const archiveTargetPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-snapshot-guard:archive-target',
  description: 'Saves the snapshot of a checked notebook folder as a zip.',
  autoStart: true,
  requires: [ISnapshotGuard, IHelperKernelProvider],
  optional: [ITranslator],
  activate: (
    _app: JupyterFrontEnd,
    guard: ISnapshotGuard,
    kernels: IHelperKernelProvider,
    translator: ITranslator | null
  ): void => {
    guard.addTarget(
      archiveTarget({
        helper: () => kernels.helper(),
        trans: translate(translator)
      })
    );
  }
};

export const commandTargetPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-snapshot-guard:command-target',
  description:
    'Hands a checked notebook to any JupyterLab command, such as a scheduler.',
  autoStart: true,
  requires: [ISnapshotGuard, ISettingRegistry, IDocumentManager],
  optional: [ITranslator],
  activate: async (
    app: JupyterFrontEnd,
    guard: ISnapshotGuard,
    registry: ISettingRegistry,
    docManager: IDocumentManager,
    translator: ITranslator | null
  ): Promise<void> => {
    const settings = new SubmitSettings(await registry.load(PLUGIN_ID));
    guard.addTarget(
      commandTarget({
        commands: app.commands,
        settings,
        // Commands such as jupyter-scheduler's act on the current widget,
        // not on their arguments: bring the submitted notebook to the front.
        activate: async path => {
          const widget = docManager.openOrReveal(path);
          if (widget) {
            app.shell.activateById(widget.id);
            await widget.context.ready;
          }
        },
        trans: translate(translator)
      })
    );
  }
};
