/**
 * What the helper kernel's submission and upload operations take and
 * return: shared by its client (kernel/) and the targets (submit/).
 */
import type { IDataInput } from '../snapshot/data-asset.js';
import type { Sdk } from '../snapshot/types.js';

/** One Azure ML command job, as the helper kernel submits it. */
export interface IAzureJobRequest {
  sdk: Sdk;
  /** The checked folder: the job's code (snapshot). */
  folder: string;
  command: string;
  compute: string;
  environment: string;
  experiment: string;
  /** Shown in the studio; the notebook's name. */
  displayName: string;
  /**
   * SDK v1 only: `SNAPSHOT_MAX_SIZE_BYTES` for this submission, restored
   * afterwards.
   */
  snapshotMaxBytes?: number;
  /** Data assets the job mounts (src/snapshot/data-asset.ts). */
  inputs?: IDataInput[];
}

export interface IAzureJobResult {
  /** The job's name (SDK v2) or run id (SDK v1). */
  name: string;
  /** The job's page in Azure ML studio, when the SDK gave one. */
  studioUrl: string | null;
  status: string | null;
  experiment: string;
  /** Distribution name and version used, e.g. `azure-ai-ml 1.20.0`. */
  sdk: string;
}

/** A zip being written to the server, invisible until committed. */
export interface IUpload {
  token: string;
  /** The final path. */
  path: string;
  /** True when a file already exists at `path`. */
  exists: boolean;
  /**
   * A named partial file to remove if the kernel dies before the commit;
   * `null` when the partial file is anonymous (it vanishes with the kernel).
   */
  partial: string | null;
}
