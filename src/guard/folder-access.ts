import type { IScan } from '../snapshot/scan.js';
import type { ISnapshotSummary } from '../snapshot/summary.js';
import type { ILimits } from '../snapshot/types.js';

/** Server-relative file copy: `from` → `to`. */
export interface ICopyPair {
  from: string;
  to: string;
}

/**
 * How the guard reaches the files of a folder on the server: through the
 * helper kernel (sees everything) or the Contents API (hides dotfiles).
 * Paths are relative to the server root.
 */
export interface IFolderAccess {
  readonly kind: 'kernel' | 'contents';
  /** A warning to show with every report, or null. */
  readonly caveat: string | null;
  scan(
    folder: string,
    options: { onProgress?(filesSeen: number): void; signal?: AbortSignal }
  ): Promise<IScan>;
  /**
   * Totals and verdict only, for the status-bar meter; an access that can
   * do this away from the page's main thread provides it.
   */
  measure?(
    folder: string,
    limits: ILimits,
    options: { signal?: AbortSignal }
  ): Promise<ISnapshotSummary>;
  /**
   * Write `.amlignore` atomically, only if its content is still `expected`
   * (null: the file must not exist). `changed` means nothing was written;
   * `unsupported` means this access cannot write it.
   */
  writeAmlignore(
    folder: string,
    text: string,
    expected: string | null
  ): Promise<'written' | 'changed' | 'unsupported'>;
  /** Create a new folder `parent/base`, or `base-2`, …; never reuse one. */
  makeUniqueFolder(parent: string, base: string): Promise<string>;
  /** Copy files into a folder made by makeUniqueFolder and verify them. */
  copyFiles(pairs: ICopyPair[]): Promise<void>;
  /** Undo a half-done copy: remove exactly these files, then folders. */
  removeCreated(paths: string[]): Promise<void>;
  /** Read a text file. */
  readText(path: string): Promise<string>;
}

/** The content changed on disk after the scan: nothing was written. */
export class ChangedOnDiskError extends Error {}
