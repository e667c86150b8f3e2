import type { ISettingRegistry } from '@jupyterlab/settingregistry';
import {
  isProfileSetting,
  profileOfSdk,
  resolveLimits,
  sdkOfProfile,
  type ILimitOverrides,
  type ProfileSetting
} from '../snapshot/limits.js';
import type { ILimits, Sdk } from '../snapshot/types.js';

/** The user's settings (schema/plugin.json), read fresh on every use. */
export class GuardSettings {
  constructor(private settings: ISettingRegistry.ISettings) {}

  private get(key: string): unknown {
    return this.settings.composite[key];
  }

  /** `auto` (the default) or an explicit SDK profile. */
  get profile(): ProfileSetting {
    const profile = String(this.get('profile') ?? 'auto');
    return isProfileSetting(profile) ? profile : 'auto';
  }

  /** The limits of the explicit profile (v1, the strict one, for auto). */
  get limits(): ILimits {
    const p = this.profile;
    return this.limitsFor(p === 'auto' ? 'v1' : sdkOfProfile(p));
  }

  /** The limits for one SDK, with the user's overrides. */
  limitsFor(sdk: Sdk): ILimits {
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
    return resolveLimits(profileOfSdk(sdk), overrides);
  }

  /** The upload speed time estimates assume, in Mbit/s. */
  get uploadMbps(): number {
    const value = this.get('uploadMbps');
    return typeof value === 'number' && value > 0 ? value : 20;
  }

  get helperKernel(): string {
    return String(this.get('helperKernel') ?? '');
  }

  /** Start the helper kernel when the first notebook opens (default on). */
  get prestartHelper(): boolean {
    return this.get('prestartHelper') !== false;
  }

  get cleanFolderPattern(): string {
    return String(this.get('cleanFolderPattern') ?? '{name}-job');
  }
}
