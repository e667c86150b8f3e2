import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStateDB } from '@jupyterlab/statedb';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import type { IFolderAccess } from '../access/folder-access.js';
import { ContentsAccess } from '../contents/contents-access.js';
import { GuardSettings } from '../guard/guard-settings.js';
import { SnapshotGuard } from '../guard/snapshot-guard.js';
import { KernelAccess } from '../kernel/kernel-access.js';
import { ListingMeasurer } from '../kernel/listing-measurer.js';
import { SubmitFlow } from '../submit/flow.js';
import { SubmitSettings } from '../submit/settings.js';
import { CommandIDs, ISnapshotGuard, PLUGIN_ID } from '../tokens.js';
import { submitIcon } from '../ui/icons.js';
import { markTabWithFolder } from '../ui/tab-folder.js';
import { IHelperKernelProvider } from './helper-kernel.js';

/**
 * The guard and the Submit flow: provides `ISnapshotGuard`, and the commands
 * that check and submit a notebook. Targets, the toolbar button, the error
 * catcher, the folder check and the meter are plugins of their own on it.
 * (Its id stays `…:plugin`, the id of the settings in schema/plugin.json.)
 */
export const corePlugin: JupyterFrontEndPlugin<ISnapshotGuard> = {
  id: PLUGIN_ID,
  description:
    'Checks a notebook folder the way Azure ML counts a code snapshot, before submitting.',
  autoStart: true,
  provides: ISnapshotGuard,
  requires: [
    INotebookTracker,
    IDocumentManager,
    ISettingRegistry,
    IHelperKernelProvider
  ],
  optional: [ITranslator, ICommandPalette, IDefaultFileBrowser, IStateDB],
  activate: async (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    docManager: IDocumentManager,
    registry: ISettingRegistry,
    kernels: IHelperKernelProvider,
    translator: ITranslator | null,
    palette: ICommandPalette | null,
    browser: IDefaultFileBrowser | null,
    state: IStateDB | null
  ): Promise<ISnapshotGuard> => {
    const trans = (translator ?? nullTranslator).load(
      'jupyterlab_snapshot_guard'
    );
    const loaded = await registry.load(PLUGIN_ID);
    const settings = new GuardSettings(loaded);
    const submitSettings = new SubmitSettings(loaded);

    let measurer: ListingMeasurer | null = null;
    const access = async (): Promise<IFolderAccess> => {
      const kernel = await kernels.helper();
      if (await kernel.isAvailable()) {
        if (measurer?.helper !== kernel) {
          measurer?.dispose();
          measurer = new ListingMeasurer(kernel);
        }
        return new KernelAccess(kernel, measurer);
      }
      return new ContentsAccess(
        app.serviceManager.contents,
        trans.__(
          'Hidden files such as .git could not be seen (no Python kernel for the helper); Azure ML will upload them unless excluded.'
        )
      );
    };

    const guard = new SnapshotGuard({
      access,
      limits: () => settings.limits,
      profile: () => settings.profile,
      limitsFor: sdk => settings.limitsFor(sdk),
      // Profile auto's last clue; none through the Contents API.
      installedSdks: async () => {
        const kernel = await kernels.helper();
        return (await kernel.isAvailable()) ? kernel.installedSdks() : null;
      },
      cleanFolderPattern: () => settings.cleanFolderPattern,
      uploadMbps: () => settings.uploadMbps,
      // Moving data to a datastore needs the helper kernel's Python SDK.
      dataUploader: async () => {
        const kernel = await kernels.helper();
        return (await kernel.isAvailable()) ? kernel : null;
      },
      open: async path => {
        // The copy's folder shows in the file browser now, not at its next poll.
        await browser?.model.refresh();
        const widget = docManager.openOrReveal(path);
        if (!widget) {
          return;
        }
        markTabWithFolder(widget);
        // Opening adds .ipynb_checkpoints/ beside the file, after `ready`
        // and without a signal: make that checkpoint now, so the re-check
        // of the folder counts what Azure ML will upload.
        try {
          await widget.context.ready;
          if ((await widget.context.listCheckpoints()).length === 0) {
            await widget.context.createCheckpoint();
          }
        } catch {
          // A read-only folder has no checkpoint; nothing to wait for.
        }
      },
      trans
    });
    const flow = new SubmitFlow({
      guard,
      state,
      defaultTarget: () => submitSettings.defaultTarget,
      trans
    });

    const panelFor = (args: { path?: unknown }): NotebookPanel | null => {
      const path = typeof args.path === 'string' ? args.path : null;
      return path === null
        ? tracker.currentWidget
        : (tracker.find(p => p.context.path === path) ?? null);
    };
    app.commands.addCommand(CommandIDs.submit, {
      label: args => (args.toolbar ? '' : trans.__('Submit notebook')),
      caption: trans.__('Check the notebook folder snapshot, then submit'),
      icon: submitIcon,
      isEnabled: args => panelFor(args) !== null,
      execute: async args => {
        const panel = panelFor(args);
        if (!panel) {
          return { status: 'cancelled' };
        }
        return flow.run(panel.context.path, panel.context, {
          target: typeof args.target === 'string' ? args.target : undefined
        });
      }
    });
    app.commands.addCommand(CommandIDs.check, {
      label: trans.__('Check notebook folder snapshot'),
      caption: trans.__('Measure the notebook folder as Azure ML would'),
      isEnabled: args => panelFor(args) !== null,
      execute: async args => {
        const panel = panelFor(args);
        return panel
          ? guard.guard(panel.context.path, panel.context, {
              report: args.report === true
            })
          : false;
      }
    });
    tracker.currentChanged.connect(() => {
      app.commands.notifyCommandChanged(CommandIDs.submit);
      app.commands.notifyCommandChanged(CommandIDs.check);
    });
    const category = trans.__('Snapshot Guard');
    palette?.addItem({ command: CommandIDs.submit, category });
    palette?.addItem({ command: CommandIDs.check, category });
    return guard;
  }
};
