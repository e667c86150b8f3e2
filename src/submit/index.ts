export { archiveTarget, ARCHIVE_TARGET } from './archive-target.js';
export { azuremlTarget, AZUREML_TARGET, sdkPackage } from './azureml-target.js';
export { commandTarget, COMMAND_TARGET } from './command-target.js';
export { SubmitCancelled, SubmitError } from './errors.js';
export { SubmitFlow } from './flow.js';
export * from './model.js';
export { SubmitSettings } from './settings.js';
