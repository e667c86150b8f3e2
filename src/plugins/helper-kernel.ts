import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { Token } from '@lumino/coreutils';
import { GuardSettings } from '../guard/guard-settings.js';
import { prestartHelper } from '../guard/helper-prestart.js';
import { HelperKernel } from '../kernel/helper-kernel.js';
import { PLUGIN_ID } from '../tokens.js';

/**
 * The helper kernel that reads and writes the server's files for the guard
 * and the built-in targets. This extension's own plumbing, not public API.
 */
export interface IHelperKernelProvider {
  /** The client for the configured kernelspec, made again when it changes. */
  helper(): Promise<HelperKernel>;
}

export const IHelperKernelProvider = new Token<IHelperKernelProvider>(
  'jupyterlab-snapshot-guard:IHelperKernelProvider',
  "The snapshot guard's helper kernel."
);

export const helperKernelPlugin: JupyterFrontEndPlugin<IHelperKernelProvider> =
  {
    id: 'jupyterlab-snapshot-guard:helper-kernel',
    description:
      'Starts the small kernel that lists, reads and writes files for the snapshot guard.',
    autoStart: true,
    provides: IHelperKernelProvider,
    requires: [ISettingRegistry],
    optional: [INotebookTracker],
    activate: async (
      app: JupyterFrontEnd,
      registry: ISettingRegistry,
      tracker: INotebookTracker | null
    ): Promise<IHelperKernelProvider> => {
      const settings = new GuardSettings(await registry.load(PLUGIN_ID));
      let current: HelperKernel | null = null;
      const provider: IHelperKernelProvider = {
        helper: async () => {
          const name = settings.helperKernel || undefined;
          if (current === null || current.kernelName !== name) {
            current?.dispose();
            current = new HelperKernel(app.serviceManager, {
              kernelName: name
            });
            current.shutdownOnUnload();
          }
          return current;
        }
      };
      if (tracker) {
        prestartHelper({
          tracker,
          enabled: () => settings.prestartHelper,
          start: async () => {
            const kernel = await provider.helper();
            return (await kernel.isAvailable()) ? kernel.ping() : null;
          }
        });
      }
      return provider;
    }
  };
