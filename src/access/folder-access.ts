import type { ISnapshotReport } from '../snapshot/accounting.js';
import type { AdviceAnswer, AdviceQuestion } from '../snapshot/advisor.js';
import type { IScan } from '../snapshot/scan.js';
import type { ISnapshotSummary } from '../snapshot/summary.js';
import type { ISurelyCounted } from '../snapshot/limits.js';
import type { IFileRecord, ILimits, Sdk } from '../snapshot/types.js';
import type { IWriteIfUnchanged } from './write-if-unchanged.js';

/** Server-relative file copy: `from` → `to`. */
export interface ICopyPair {
  from: string;
  to: string;
}

/** What undoing a copy removed, and what it had to leave. */
export interface IRemoveReport {
  /** Paths kept, each with the reason. */
  kept: { path: string; reason: string }[];
  /** Files still inside the copy's folder (the user's own, or kept). */
  left: string[];
}

/**
 * The journal an interrupted "Move to a clean folder" leaves in the new
 * folder (written by src/kernel/helper/files.py, MARKER): visible in the file
 * browser, and recognised by the guard.
 */
export const INCOMPLETE_MARKER = 'SNAPSHOT-GUARD-INCOMPLETE.txt';

/** An interrupted "Move to a clean folder" found in a folder. */
export interface IIncompleteCopy {
  folder: string;
  files: number;
  bytes: number;
}

export interface IReportOptions {
  signal?: AbortSignal;
  /**
   * Also tell whether the datastore fix has data to offer
   * (`dataCandidates`), with this notebook (relative) kept.
   */
  data?: { notebook?: string };
}

/** A report made away from the page's main thread. */
export interface IFarReport {
  report: ISnapshotReport;
  /** Present when asked for with `data`. */
  dataToMove?: boolean;
}

export interface IScanOptions {
  /**
   * `counted`, when asked for with `lowerBound` and the access can tell:
   * what that SDK surely uploads and checks among the files seen so far
   * (never more than the scan's report then says).
   */
  onProgress?(filesSeen: number, counted?: ISurelyCounted): void;
  signal?: AbortSignal;
  /** Ask for `counted`, by this SDK's walks and rules. */
  lowerBound?: Sdk;
  /**
   * The root's `.py` and `.ipynb` files (what profile auto reads), in the
   * walk's order, as soon as the root is listed; when the access can tell.
   */
  onRoot?(files: IFileRecord[]): void;
}

/**
 * How the guard reaches the files of a folder on the server: through the
 * helper kernel (sees everything) or the Contents API (hides dotfiles).
 * Paths are relative to the server root. `writeIfUnchanged` writes a
 * user's file (`.amlignore`) under the shared protocol.
 */
export interface IFolderAccess extends IWriteIfUnchanged {
  readonly kind: 'kernel' | 'contents';
  /** A warning to show with every report, or null. */
  readonly caveat: string | null;
  scan(folder: string, options: IScanOptions): Promise<IScan>;
  /**
   * `reportOf(scan, limits)` away from the page's main thread, for a scan
   * this access made; null when it cannot (then the caller makes it).
   */
  report?(
    scan: IScan,
    limits: ILimits,
    options?: IReportOptions
  ): Promise<IFarReport | null>;
  /**
   * `advise(scan, question)` away from the page's main thread, for a scan
   * this access made; null when it cannot (then the caller asks the engine).
   */
  advise?<Q extends AdviceQuestion>(
    scan: IScan,
    question: Q
  ): Promise<AdviceAnswer<Q> | null>;
  /**
   * Totals and verdict only, for the status-bar meter; an access that can
   * do this away from the page's main thread provides it.
   */
  measure?(
    folder: string,
    limits: ILimits,
    options: { signal?: AbortSignal }
  ): Promise<ISnapshotSummary>;
  /** Create a new folder `parent/base`, or `base-2`, …; never reuse one. */
  makeUniqueFolder(parent: string, base: string): Promise<string>;
  /** Copy files into a folder made by makeUniqueFolder and verify them. */
  copyFiles(pairs: ICopyPair[]): Promise<void>;
  /** Undo a half-done copy: remove exactly these files, then folders. */
  removeCreated(paths: string[]): Promise<IRemoveReport>;
  /** Interrupted copies in `folder` or the folders right below it. */
  findIncomplete(folder: string): Promise<IIncompleteCopy[]>;
  /** Remove what an interrupted copy in `folder` made. */
  discardIncomplete(folder: string): Promise<IRemoveReport>;
  /** Read a text file. */
  readText(path: string): Promise<string>;
}
