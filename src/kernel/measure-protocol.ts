import type { ISnapshotSummary } from '../snapshot/summary.js';
import type { IDirEntry, ILimits } from '../snapshot/types.js';

/** Page → worker: measure a walk listing, or the answer to a call. */
export type ToWorker =
  | { type: 'measure'; id: number; blob: Uint8Array; limits: ILimits }
  | {
      type: 'answer';
      call: number;
      entries?: IDirEntry[];
      data?: Uint8Array;
      error?: string;
    };

/** Worker → page: a file-system call the listing cannot answer, or the result. */
export type FromWorker =
  | { type: 'call'; call: number; op: 'list' | 'read'; path: string }
  | { type: 'done'; id: number; summary?: ISnapshotSummary; error?: string };
