import type { ISnapshotReport } from './accounting.js';
import type { IReason } from './limits.js';
import type { ILimits, Verdict } from './types.js';

/**
 * A report's totals and verdict without its file lists: small enough to
 * pass between threads and to keep for a compact display.
 */
export interface ISnapshotSummary {
  files: number;
  bytes: number;
  verdict: Verdict;
  reasons: IReason[];
  limits: ILimits;
  ignoreFile: string | null;
  /** The SDK the report is for, when the report names it. */
  sdk?: string;
  /** How many warnings the report has. */
  warnings: number;
  /**
   * Milliseconds spent reading the folder and counting (not starting a
   * helper kernel): what a repeated measure costs.
   */
  costMs?: number;
}

export function summarize(
  report: ISnapshotReport & { sdk?: string }
): ISnapshotSummary {
  const summary: ISnapshotSummary = {
    files: report.files,
    bytes: report.bytes,
    verdict: report.verdict,
    reasons: report.reasons,
    limits: report.limits,
    ignoreFile: report.ignoreFile,
    warnings: report.warnings.length
  };
  if (typeof report.sdk === 'string') {
    summary.sdk = report.sdk;
  }
  return summary;
}
