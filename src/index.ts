import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  IToolbarWidgetRegistry,
  ToolbarButton
} from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStateDB } from '@jupyterlab/statedb';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { meterPlugin } from './meter/plugin.js';
import { SnapshotErrorCatcher } from './catcher/snapshot-error-catcher.js';
import { ContentsAccess } from './contents/contents-access.js';
import type { IFolderAccess } from './access/folder-access.js';
import { GuardSettings } from './guard/guard-settings.js';
import { SnapshotGuard } from './guard/snapshot-guard.js';
import { HelperKernel } from './kernel/helper-kernel.js';
import { KernelAccess } from './kernel/kernel-access.js';
import { ListingMeasurer } from './kernel/listing-measurer.js';
import { archiveTarget } from './submit/archive-target.js';
import { azuremlTarget } from './submit/azureml-target.js';
import { commandTarget } from './submit/command-target.js';
import { SubmitFlow } from './submit/flow.js';
import { SubmitSettings } from './submit/settings.js';
import { CommandIDs, ISnapshotGuard, PLUGIN_ID } from './tokens.js';
import { submitIcon } from './ui/icons.js';
import { markTabWithFolder } from './ui/tab-folder.js';

export * from './tokens.js';

const plugin: JupyterFrontEndPlugin<ISnapshotGuard> = {
  id: PLUGIN_ID,
  description:
    'Checks a notebook folder the way Azure ML counts a code snapshot, before submitting.',
  autoStart: true,
  provides: ISnapshotGuard,
  requires: [INotebookTracker, IDocumentManager, ISettingRegistry],
  optional: [
    ITranslator,
    ICommandPalette,
    IToolbarWidgetRegistry,
    IDefaultFileBrowser,
    IStateDB
  ],
  activate: async (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    docManager: IDocumentManager,
    registry: ISettingRegistry,
    translator: ITranslator | null,
    palette: ICommandPalette | null,
    toolbars: IToolbarWidgetRegistry | null,
    browser: IDefaultFileBrowser | null,
    state: IStateDB | null
  ): Promise<ISnapshotGuard> => {
    const trans = (translator ?? nullTranslator).load(
      'jupyterlab_snapshot_guard'
    );
    const loaded = await registry.load(PLUGIN_ID);
    const settings = new GuardSettings(loaded);
    const submitSettings = new SubmitSettings(loaded);

    let helper: HelperKernel | null = null;
    /** The helper kernel client for the configured kernelspec. */
    const helperKernel = async (): Promise<HelperKernel> => {
      const name = settings.helperKernel || undefined;
      if (helper === null || helper.kernelName !== name) {
        helper?.dispose();
        helper = new HelperKernel(app.serviceManager, { kernelName: name });
        helper.shutdownOnUnload();
      }
      return helper;
    };
    let measurer: ListingMeasurer | null = null;
    const access = async (): Promise<IFolderAccess> => {
      const kernel = await helperKernel();
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
        const kernel = await helperKernel();
        return (await kernel.isAvailable()) ? kernel.installedSdks() : null;
      },
      cleanFolderPattern: () => settings.cleanFolderPattern,
      open: async path => {
        // After "Move to a clean folder" a Submit goes on with the copy.
        flow.noteOpened(path);
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
    guard.addTarget(
      azuremlTarget({ helper: helperKernel, settings: submitSettings, trans })
    );
    guard.addTarget(archiveTarget({ helper: helperKernel, trans }));
    guard.addTarget(
      commandTarget({
        commands: app.commands,
        settings: submitSettings,
        trans
      })
    );

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
    tracker.currentChanged.connect(() => {
      app.commands.notifyCommandChanged(CommandIDs.submit);
      app.commands.notifyCommandChanged(CommandIDs.check);
    });

    // The toolbar button acts on its own panel, whatever has the focus.
    toolbars?.addFactory<NotebookPanel>(
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

    // The SDK's snapshot error printed by a cell leads to the same fixes.
    new SnapshotErrorCatcher({
      tracker,
      fix: (folder, options) => guard.checkFolder(folder, options),
      trans
    });

    const category = trans.__('Snapshot Guard');
    palette?.addItem({ command: CommandIDs.submit, category });
    palette?.addItem({ command: CommandIDs.check, category });
    palette?.addItem({ command: CommandIDs.checkFolder, category });

    return guard;
  }
};

export default [plugin, meterPlugin];
