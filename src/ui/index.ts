export {
  showAmlignoreDialog,
  AmlignoreBody,
  type AmlignoreTarget,
  type IAmlignoreDialogOptions
} from './amlignore-dialog.js';
export {
  showCleanFolderDialog,
  CleanFolderBody,
  folderNameProblem,
  type ICleanFolderChoice,
  type ICleanFolderDialogOptions
} from './clean-folder-dialog.js';
export {
  ContributorBars,
  type IContributorBarsProps
} from './contributor-bars.js';
export { GuardBody, GuardDialog, launch, type IBodyState } from './dialog.js';
export {
  showManualSaveDialog,
  type IManualSaveOptions
} from './manual-save-dialog.js';
export { Meter, type IMeterProps } from './meter.js';
export {
  showReportDialog,
  ReportBody,
  type IReportDialogOptions,
  type ReportChoice
} from './report-dialog.js';
