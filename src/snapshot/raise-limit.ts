/**
 * The documentation's second fix: raise azureml-core's size limit
 * (`SNAPSHOT_MAX_SIZE_BYTES`) for one submission, when the folder is over
 * the size limit but within the file limit. Pure: the Azure ML target sets
 * the limit in the helper kernel (src/kernel/helper/azure.py).
 */
import type { ISnapshotReport } from './accounting.js';
import { judge } from './limits.js';
import type { ILimits } from './types.js';

/** The raised limit is a whole number of these. */
const STEP_BYTES = 100 * 1024 * 1024;

/**
 * True when raising the size limit alone lets azureml-core take the
 * snapshot: SDK v1, over its byte limit, within its file limit, and nothing
 * else that makes it fail.
 */
export function canRaiseSizeLimit(report: ISnapshotReport): boolean {
  const over = (limit: string) =>
    report.reasons.some(r => r.limit === limit && r.level === 'over');
  return (
    report.sdk === 'v1' &&
    report.limits.maxBytes !== null &&
    over('bytes') &&
    !over('files') &&
    !over('empty') &&
    !over('sdk-error') &&
    report.failures.length === 0
  );
}

/**
 * The limit for this submission: the smallest multiple of 100 MiB that
 * leaves the size below the "near" mark, so a little growth before the
 * upload still passes.
 */
export function raisedSizeLimit(
  totalBytes: number,
  nearFraction: number
): number {
  const least = Math.floor(totalBytes / nearFraction) + 1;
  return Math.ceil(least / STEP_BYTES) * STEP_BYTES;
}

/** The report judged again under a raised size limit. */
export function withSizeLimit(
  report: ISnapshotReport,
  maxBytes: number
): ISnapshotReport {
  const limits: ILimits = { ...report.limits, maxBytes };
  const { verdict, reasons } = judge(report.files, report.totalBytes, limits);
  // What makes the SDK fail stays, whatever the limit.
  const failing = report.reasons.filter(r => r.limit === 'sdk-error');
  return {
    ...report,
    limits,
    reasons: [...reasons, ...failing],
    verdict: failing.length > 0 ? 'over' : verdict
  };
}

/** Seconds to upload `bytes` at `mbps` megabits (10^6 bits) per second. */
export function uploadSeconds(bytes: number, mbps: number): number | null {
  if (!(mbps > 0) || !Number.isFinite(mbps)) {
    return null;
  }
  return (bytes * 8) / (mbps * 1e6);
}
