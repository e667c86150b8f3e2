import type { ISnapshotReport } from '../snapshot/accounting.js';
import type { AdviceAnswer, AdviceQuestion } from '../snapshot/advisor.js';
import type { ISurelyCounted } from '../snapshot/limits.js';
import type { IScan } from '../snapshot/scan.js';
import type { ISnapshotSummary } from '../snapshot/summary.js';
import type { IDirEntry, ILimits, Sdk } from '../snapshot/types.js';

/** A scan without its files (sent apart, in chunks) and rules (a class). */
export type IScanRest = Omit<IScan, 'files' | 'rules'>;

/**
 * Page → worker: measure a walk listing (the meter), scan one as it
 * streams in (the guard, which the worker keeps for `report` and `advise`)
 * and its chunks, report on a kept scan, ask the advisor about one, or the
 * answer to a call.
 */
export type ToWorker =
  | { type: 'measure'; id: number; blob: Uint8Array; limits: ILimits }
  | {
      type: 'scan';
      id: number;
      /** Also send what this SDK surely counts while the listing comes. */
      lowerBound?: Sdk;
      /** Also send the root's code files once it has come. */
      root?: boolean;
    }
  | {
      /** A chunk of scan `id`'s listing; `last`: the walk's result. */
      type: 'chunk';
      id: number;
      blob?: Uint8Array;
      last?: boolean;
      /** The walk failed: so does the scan. */
      error?: string;
    }
  | {
      type: 'report';
      id: number;
      /** The id of the `scan` request. */
      scan: number;
      sdk: Sdk;
      profileReason: string;
      limits: ILimits;
      /**
       * Also whether the datastore fix has data to offer, the notebook
       * (relative) kept in the folder.
       */
      data?: { notebook?: string };
    }
  | {
      type: 'advise';
      id: number;
      /** The id of the `scan` request. */
      scan: number;
      sdk: Sdk;
      profileReason: string;
      question: AdviceQuestion;
    }
  | {
      type: 'answer';
      call: number;
      entries?: IDirEntry[];
      data?: Uint8Array;
      error?: string;
    };

/**
 * Worker → page: a file-system call of request `id` that the listing
 * cannot answer, a chunk of a scan's files, what it surely counts so far,
 * the root's code files, or the result.
 */
export type FromWorker =
  | {
      type: 'call';
      id: number;
      call: number;
      op: 'list' | 'read';
      path: string;
    }
  | { type: 'files'; id: number; files: IScan['files'] }
  | { type: 'counted'; id: number; counted: ISurelyCounted }
  | { type: 'root'; id: number; files: IScan['files'] }
  | {
      type: 'done';
      id: number;
      summary?: ISnapshotSummary;
      scan?: IScanRest;
      /** `included` travels as indices into the scan's files. */
      report?: Omit<ISnapshotReport, 'included'>;
      included?: Int32Array;
      /** Asked with `data`: the datastore fix has candidates. */
      dataToMove?: boolean;
      /** The answer to `advise`. */
      advice?: AdviceAnswer<AdviceQuestion>;
      error?: string;
    };
