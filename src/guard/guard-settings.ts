import type { ISettingRegistry } from '@jupyterlab/settingregistry';
import {
  isProfileName,
  resolveLimits,
  type ILimitOverrides
} from '../snapshot/limits.js';
import type { ILimits } from '../snapshot/types.js';

/** The user's settings (schema/plugin.json), read fresh on every use. */
export class GuardSettings {
  constructor(private settings: ISettingRegistry.ISettings) {}

  private get(key: string): unknown {
    return this.settings.composite[key];
  }

  get limits(): ILimits {
    const profile = String(this.get('profile') ?? 'azureml-v1');
    const overrides: ILimitOverrides = {};
    const maxBytes = this.get('maxBytes');
    const maxFiles = this.get('maxFiles');
    const near = this.get('nearFraction');
    // null keeps the profile's own limit.
    if (typeof maxBytes === 'number') {
      overrides.maxBytes = maxBytes;
    }
    if (typeof maxFiles === 'number') {
      overrides.maxFiles = maxFiles;
    }
    if (this.get('noFileLimit') === true) {
      overrides.maxFiles = null;
    }
    if (typeof near === 'number') {
      overrides.nearFraction = near;
    }
    return resolveLimits(
      isProfileName(profile) ? profile : 'azureml-v1',
      overrides
    );
  }

  get helperKernel(): string {
    return String(this.get('helperKernel') ?? '');
  }

  get cleanFolderPattern(): string {
    return String(this.get('cleanFolderPattern') ?? '{name}-job');
  }
}
