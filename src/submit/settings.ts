import type { ISettingRegistry } from '@jupyterlab/settingregistry';

/** Default command of the Azure ML target; `{notebook}` is replaced. */
export const DEFAULT_AZUREML_COMMAND =
  'papermill {notebook} outputs/{notebook}';
/** jupyter-scheduler's "Create a notebook job" command. */
export const DEFAULT_COMMAND_TARGET = 'scheduling:create-from-notebook';

/** Which Azure ML Python SDK a submission uses. */
export type AzureSdk = 'v1' | 'v2';

/** The submit targets' settings (schema/plugin.json), read on every use. */
export class SubmitSettings {
  constructor(private settings: ISettingRegistry.ISettings) {}

  private text(key: string, fallback: string): string {
    const value = this.settings.composite[key];
    return typeof value === 'string' ? value : fallback;
  }

  /** The target preselected for a notebook with nothing remembered. */
  get defaultTarget(): string {
    return this.text('submitTarget', 'azureml');
  }

  /**
   * The SDK the profile names, for the fields of the form: `azureml-v2`
   * is `azure-ai-ml`, `azureml-v1` and `auto` (until a check decides; the
   * submission itself uses the check's SDK) `azureml-core`.
   */
  get azureSdk(): AzureSdk {
    return this.text('profile', 'azureml-v1') === 'azureml-v2' ? 'v2' : 'v1';
  }

  get azuremlCommand(): string {
    return this.text('azuremlCommand', DEFAULT_AZUREML_COMMAND);
  }

  get azuremlCompute(): string {
    return this.text('azuremlCompute', '');
  }

  get azuremlEnvironment(): string {
    return this.text('azuremlEnvironment', '');
  }

  get azuremlExperiment(): string {
    return this.text('azuremlExperiment', '');
  }

  get commandTargetId(): string {
    return this.text('commandTargetId', DEFAULT_COMMAND_TARGET);
  }
}
