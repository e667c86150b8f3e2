import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { CommandIDs, ISnapshotGuard, PLUGIN_ID } from '../tokens.js';
import { StatusMeter } from '../ui/status-meter.js';
import { MeterController } from '../meter/meter-controller.js';

export const METER_PLUGIN_ID = 'jupyterlab-snapshot-guard:meter';

/**
 * The snapshot meter in the status bar, built on the public ISnapshotGuard
 * token like any other extension could. Without a status bar it does
 * nothing.
 */
export const meterPlugin: JupyterFrontEndPlugin<void> = {
  id: METER_PLUGIN_ID,
  description:
    "Shows the current notebook folder's snapshot size and file count in the status bar.",
  autoStart: true,
  requires: [ISnapshotGuard, INotebookTracker, ISettingRegistry],
  optional: [IStatusBar, ITranslator, IDefaultFileBrowser],
  activate: async (
    app: JupyterFrontEnd,
    guard: ISnapshotGuard,
    tracker: INotebookTracker,
    registry: ISettingRegistry,
    statusBar: IStatusBar | null,
    translator: ITranslator | null,
    browser: IDefaultFileBrowser | null
  ): Promise<void> => {
    if (!statusBar) {
      return;
    }
    const trans = (translator ?? nullTranslator).load(
      'jupyterlab_snapshot_guard'
    );
    const widget = new StatusMeter(trans, () => void controller.open());
    const controller = new MeterController({
      guard,
      tracker,
      contents: app.serviceManager.contents,
      browser,
      widget,
      openReport: path =>
        app.commands.execute(CommandIDs.check, { path, report: true })
    });
    // The meter's settings live with the guard's (schema/plugin.json).
    const settings = await registry.load(PLUGIN_ID);
    const apply = () => {
      const seconds = Number(settings.composite.meterMinInterval ?? 5);
      controller.configure(
        settings.composite.meter !== false,
        Math.max(0, seconds) * 1000
      );
    };
    settings.changed.connect(apply);
    apply();
    statusBar.registerStatusItem(METER_PLUGIN_ID, {
      item: widget,
      align: 'left',
      rank: 5,
      isActive: () => controller.active,
      activeStateChanged: controller.activeChanged
    });
  }
};
