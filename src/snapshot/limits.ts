import type { ILimits, Sdk, Verdict } from './types.js';

/** 300 MiB: the SDK v1 limit (its messages say "300.0 MB"). */
export const V1_MAX_BYTES = 314_572_800;
export const V1_MAX_FILES = 2000;
/** SDK v2 only warns, above 100 MB decimal. */
export const V2_WARN_BYTES = 100_000_000;
export const DEFAULT_NEAR_FRACTION = 0.8;

export type ProfileName = 'azureml-v1' | 'azureml-v2';
export const PROFILE_NAMES: readonly ProfileName[] = [
  'azureml-v1',
  'azureml-v2'
];

const PROFILES: Record<ProfileName, ILimits> = {
  'azureml-v1': {
    profile: 'azureml-v1',
    maxBytes: V1_MAX_BYTES,
    maxFiles: V1_MAX_FILES,
    warnBytes: null,
    emptyIsError: false,
    nearFraction: DEFAULT_NEAR_FRACTION
  },
  'azureml-v2': {
    profile: 'azureml-v2',
    maxBytes: null,
    maxFiles: null,
    warnBytes: V2_WARN_BYTES,
    emptyIsError: true,
    nearFraction: DEFAULT_NEAR_FRACTION
  }
};

export interface ILimitOverrides {
  /** Bytes; `null` switches the byte limit off. */
  maxBytes?: number | null;
  /** Files; `null` switches the file limit off (`AML_SNAPSHOT_NO_FILE_LIMIT`). */
  maxFiles?: number | null;
  nearFraction?: number;
}

export function isProfileName(name: string): name is ProfileName {
  return (PROFILE_NAMES as readonly string[]).includes(name);
}

/** A profile setting: an SDK, or `auto` to tell it from the code. */
export type ProfileSetting = ProfileName | 'auto';

export function isProfileSetting(name: string): name is ProfileSetting {
  return name === 'auto' || isProfileName(name);
}

export function sdkOfProfile(profile: string): Sdk {
  return profile === 'azureml-v2' ? 'v2' : 'v1';
}

export function profileOfSdk(sdk: Sdk): ProfileName {
  return sdk === 'v2' ? 'azureml-v2' : 'azureml-v1';
}

/** The limits of a profile with the user's overrides applied. */
export function resolveLimits(
  profile: ProfileName = 'azureml-v1',
  overrides: ILimitOverrides = {}
): ILimits {
  const limits: ILimits = { ...PROFILES[profile] };
  if (overrides.maxBytes !== undefined) {
    limits.maxBytes = overrides.maxBytes;
  }
  if (overrides.maxFiles !== undefined) {
    limits.maxFiles = overrides.maxFiles;
  }
  if (overrides.nearFraction !== undefined) {
    limits.nearFraction = overrides.nearFraction;
  }
  return limits;
}

/** Which limit a reason is about. */
export type LimitKind =
  | 'bytes'
  | 'files'
  | 'empty'
  | 'warn-bytes'
  /** Something in the folder makes the SDK fail (see the report's failures). */
  | 'sdk-error';

export interface IReason {
  limit: LimitKind;
  level: 'over' | 'near';
}

export interface IJudgement {
  verdict: Verdict;
  /** Each limit that is crossed or close; the UI words them. */
  reasons: IReason[];
}

/**
 * What a scan still running has seen that the SDK surely counts (a lower
 * bound of its files and bytes): enough for "over" before the totals.
 */
export interface ISurelyCounted {
  files: number;
  bytes: number;
}

/**
 * The hard limit a lower bound already crosses, or null. Over is final:
 * the totals can only be higher.
 */
export function overSoFar(
  counted: ISurelyCounted,
  limits: ILimits
): 'files' | 'bytes' | null {
  if (limits.maxFiles !== null && counted.files > limits.maxFiles) {
    return 'files';
  }
  if (limits.maxBytes !== null && counted.bytes > limits.maxBytes) {
    return 'bytes';
  }
  return null;
}

/**
 * Azure ML fails when a count is strictly above its limit; exactly at the
 * limit passes. `near` starts at the configured fraction of a limit.
 */
export function judge(
  fileCount: number,
  totalBytes: number,
  limits: ILimits
): IJudgement {
  const reasons: IReason[] = [];
  const check = (value: number, limit: number | null, kind: LimitKind) => {
    if (limit === null) {
      return;
    }
    if (value > limit) {
      reasons.push({ limit: kind, level: 'over' });
    } else if (value >= limit * limits.nearFraction) {
      reasons.push({ limit: kind, level: 'near' });
    }
  };
  check(totalBytes, limits.maxBytes, 'bytes');
  check(fileCount, limits.maxFiles, 'files');
  if (limits.emptyIsError && fileCount === 0) {
    reasons.push({ limit: 'empty', level: 'over' });
  }
  if (limits.warnBytes !== null && totalBytes > limits.warnBytes) {
    reasons.push({ limit: 'warn-bytes', level: 'near' });
  }
  const verdict: Verdict = reasons.some(r => r.level === 'over')
    ? 'over'
    : reasons.length > 0
      ? 'near'
      : 'ok';
  return { verdict, reasons };
}
