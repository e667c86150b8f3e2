/**
 * The extension's plugins: the guard (`ISnapshotGuard`) and its helper
 * kernel, then one plugin per feature on the public token, each of which a
 * user can disable on its own.
 */
import { catcherPlugin } from './plugins/catcher.js';
import { corePlugin } from './plugins/core.js';
import { folderCheckPlugin } from './plugins/folder-check.js';
import { helperKernelPlugin } from './plugins/helper-kernel.js';
import { meterPlugin } from './plugins/meter.js';
import {
  archiveTargetPlugin,
  azuremlTargetPlugin,
  commandTargetPlugin
} from './plugins/targets.js';
import { toolbarPlugin } from './plugins/toolbar.js';

export * from './tokens.js';

// The targets' order here is their order in the Submit dialog.
export default [
  helperKernelPlugin,
  corePlugin,
  azuremlTargetPlugin,
  archiveTargetPlugin,
  commandTargetPlugin,
  toolbarPlugin,
  catcherPlugin,
  folderCheckPlugin,
  meterPlugin
];
