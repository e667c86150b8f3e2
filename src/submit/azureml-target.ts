/**
 * The Azure ML job target: a command job whose code is the checked folder,
 * submitted by the helper kernel with the Python SDK the limits profile
 * names (`azureml-v1` → `azureml-core`, `azureml-v2` → `azure-ai-ml`).
 */
import { Notification } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { ISubmitField, ISubmitTarget, ISubmitWhere } from '../tokens.js';
import { parseInputs } from '../snapshot/data-asset.js';
import { DATA_ASSETS, DATA_FIELD, DATA_NONE } from './model.js';
import { SubmitError, helperErrorDetail, helperErrorType } from './errors.js';
import type { IAzureJobResult } from '../kernel/helper-protocol.js';
import type { ISubmitHelper } from './helper.js';
import { commandFor, experimentNameFor, httpsUrl } from './shell.js';
import type { AzureSdk, SubmitSettings } from './settings.js';
import { folderLabel } from '../ui/words.js';
import { errorMessage } from '../snapshot/errors.js';
import { relativeTo } from '../snapshot/paths.js';

export const AZUREML_TARGET = 'azureml';

export interface IAzureTargetOptions {
  helper(): Promise<ISubmitHelper>;
  settings: SubmitSettings;
  trans: TranslationBundle;
  /** Opens the studio link (default: a new browser tab). */
  openUrl?(url: string): void;
}

/** The package a flavour needs, as pip names it. */
export function sdkPackage(sdk: AzureSdk): string {
  return sdk === 'v1' ? 'azureml-core' : 'azure-ai-ml';
}

export function azuremlTarget(options: IAzureTargetOptions): ISubmitTarget {
  const { settings, trans } = options;
  const openUrl =
    options.openUrl ??
    ((url: string) => window.open(url, '_blank', 'noopener,noreferrer'));

  return {
    id: AZUREML_TARGET,
    label: trans.__('Azure ML job'),
    describe: where => {
      const code = folderLabel(trans, where.folder);
      return (where.sdk ?? settings.azureSdk) === 'v1'
        ? trans.__(
            'Submits a command job with the Azure ML SDK v1 (azureml-core: ScriptRunConfig and Experiment.submit), the SDK this check counted with. Its code snapshot is %1. The workspace comes from config.json in that folder or a folder above it.',
            code
          )
        : trans.__(
            'Submits a command job with the Azure ML SDK v2 (azure-ai-ml: command and MLClient.jobs.create_or_update, signed in with DefaultAzureCredential), the SDK this check counted with. Its code snapshot is %1. The workspace comes from config.json in that folder or a folder above it.',
            code
          );
    },
    fields: where =>
      fieldsFor(where.sdk ?? settings.azureSdk, where, settings, trans),
    validate: (values, where) => {
      const sdk = where.sdk ?? settings.azureSdk;
      if (!values.command) {
        return trans.__('Enter the command the job runs.');
      }
      if (sdk === 'v1' && !values.compute) {
        return trans.__(
          'Enter a compute target: without one SDK v1 runs the job on this machine.'
        );
      }
      if (sdk === 'v2' && !values.environment) {
        return trans.__(
          'Enter an environment: an SDK v2 command job needs one.'
        );
      }
      if (!values.experiment) {
        return trans.__('Enter an experiment name.');
      }
      try {
        parseInputs(values.inputs ?? '');
      } catch (err) {
        return trans.__(
          'Data inputs are lines of input=azureml:name:version (input: letters, digits and _); this one is not: %1',
          (err as Error).message
        );
      }
      if (!/^[A-Za-z0-9][\w-]{0,254}$/.test(values.experiment)) {
        return trans.__(
          'An experiment name has letters, digits, - and _ only, and starts with a letter or digit.'
        );
      }
      return null;
    },
    submit: async context => {
      // The SDK the check decided (profile auto: the notebook's imports).
      const sdk = context.report.sdk;
      const notebook = relativeTo(context.folder, context.path);
      const abort = new AbortController();
      const id = Notification.emit(
        trans.__(
          'Submitting %1 to Azure ML (SDK %2): uploading the snapshot…',
          notebook,
          sdk
        ),
        'in-progress',
        {
          autoClose: false,
          actions: [
            {
              label: trans.__('Stop waiting'),
              caption: trans.__(
                'Stop waiting for the SDK; a job it already created still runs'
              ),
              callback: () => abort.abort()
            }
          ]
        }
      );
      let result: IAzureJobResult;
      try {
        const helper = await options.helper();
        const request = helper.submitAzureml({
          sdk,
          folder: context.folder,
          command: context.values.command,
          compute: context.values.compute ?? '',
          environment: context.values.environment ?? '',
          experiment: context.values.experiment,
          displayName: notebook,
          inputs: parseInputs(context.values.inputs ?? ''),
          // Only azureml-core has the limit (spec section 4).
          ...(sdk === 'v1' && context.sizeLimit !== undefined
            ? { snapshotMaxBytes: context.sizeLimit }
            : {})
        });
        result = await Promise.race([
          request,
          new Promise<never>((_, reject) =>
            abort.signal.addEventListener('abort', () =>
              reject(
                new SubmitError(
                  trans.__(
                    'Stopped waiting for Azure ML. If the SDK got as far as creating the job, it still runs: look for it in Azure ML studio under the experiment %1.',
                    context.values.experiment
                  ),
                  { title: trans.__('Azure ML job: stopped waiting') }
                )
              )
            )
          )
        ]);
      } catch (err) {
        Notification.dismiss(id);
        throw asSubmitError(err, sdk, context.values.compute ?? '', trans);
      }
      const studioUrl = httpsUrl(result.studioUrl);
      Notification.update({
        id,
        type: 'success',
        message: trans.__(
          'Azure ML job %1 submitted (experiment %2).',
          result.name,
          result.experiment
        ),
        autoClose: false,
        actions: studioUrl
          ? [
              {
                label: trans.__('Open in Azure ML studio'),
                caption: studioUrl,
                callback: () => openUrl(studioUrl)
              }
            ]
          : []
      });
    }
  };
}

function fieldsFor(
  sdk: AzureSdk,
  where: ISubmitWhere,
  settings: SubmitSettings,
  trans: TranslationBundle
): ISubmitField[] {
  const notebook = relativeTo(where.folder, where.path);
  return [
    {
      id: 'command',
      label: trans.__('Command'),
      default: commandFor(settings.azuremlCommand, notebook),
      description: trans.__(
        'Runs in the job, in the snapshot folder. The environment needs papermill for the default.'
      ),
      required: true,
      code: true
    },
    {
      id: 'compute',
      label: trans.__('Compute'),
      default: settings.azuremlCompute,
      placeholder:
        sdk === 'v1'
          ? trans.__('compute cluster name, e.g. cpu-cluster')
          : trans.__('compute name; empty: serverless compute'),
      required: sdk === 'v1',
      code: true
    },
    {
      id: 'environment',
      label: trans.__('Environment'),
      default: settings.azuremlEnvironment,
      placeholder:
        sdk === 'v1'
          ? trans.__('name or name:version; empty: the SDK’s default')
          : trans.__('name@latest, name:version or an azureml:// URI'),
      required: sdk === 'v2',
      code: true
    },
    {
      id: 'experiment',
      label: trans.__('Experiment'),
      default: settings.azuremlExperiment || experimentNameFor(notebook),
      required: true,
      code: true
    },
    {
      // Most jobs read their data from the snapshot: the inputs field shows
      // only once data assets are chosen (Move data to a datastore does).
      id: DATA_FIELD,
      label: trans.__('Data'),
      default: DATA_NONE,
      options: [
        { value: DATA_NONE, label: trans.__('In the snapshot') },
        { value: DATA_ASSETS, label: trans.__('Data assets, mounted') }
      ]
    },
    {
      id: 'inputs',
      label: trans.__('Data inputs'),
      default: '',
      placeholder: trans.__('input=azureml:name:version, one per line'),
      required: true,
      when: { field: DATA_FIELD, equals: DATA_ASSETS },
      description:
        sdk === 'v1'
          ? trans.__(
              'Data assets the job mounts (as_named_input(input).as_mount()); ${{inputs.input}} in the command is the mount path. Move data to a datastore fills this in.'
            )
          : trans.__(
              "Data assets the job mounts (Input(path='azureml:name:version')); ${{inputs.input}} in the command is the mount path. Move data to a datastore fills this in."
            ),
      code: true
    }
  ];
}

/**
 * The helper's error types, with a title; the message is the helper's, and
 * the SDK's exception class and text are folded under it.
 */
function asSubmitError(
  err: unknown,
  sdk: AzureSdk,
  compute: string,
  trans: TranslationBundle
): SubmitError {
  if (err instanceof SubmitError) {
    return err;
  }
  const title = trans.__('Azure ML job not submitted');
  const type = helperErrorType(err);
  switch (type) {
    case 'SdkMissing':
    case 'NoConfig':
    case 'AuthFailed':
    case 'Unreachable':
    case 'UnknownCompute':
    case 'SnapshotTooBig':
    case 'SdkError':
    case 'BadRequest':
    case 'NotFound':
      return new SubmitError(errorMessage(err), {
        title,
        details: helperErrorDetail(err),
        cause: err
      });
    case 'KernelStopped':
    case 'Disposed':
      return new SubmitError(
        trans.__(
          'The helper kernel stopped while submitting with %1. The job may or may not have been created: look in Azure ML studio before submitting again.',
          sdkPackage(sdk)
        ),
        { title, cause: err }
      );
    case 'NoPythonKernel':
      return new SubmitError(
        trans.__(
          'Submitting to Azure ML needs a Python kernel with %1 for the helper, and this server has no Python kernel.',
          sdkPackage(sdk)
        ),
        { title, cause: err }
      );
    default:
      return new SubmitError(
        trans.__(
          'Submitting with %1 failed (compute %2): %3',
          sdkPackage(sdk),
          compute || trans.__('serverless'),
          errorMessage(err)
        ),
        { title, cause: err }
      );
  }
}
