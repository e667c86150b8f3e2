/**
 * What the built-in targets need of the helper kernel (implemented by
 * `HelperKernel`; tests may pass a fake). Paths are server-relative.
 */
import type { IReadResult } from '../kernel/helper-kernel.js';
import type { AzureSdk } from './settings.js';

/** One Azure ML command job, as the helper kernel submits it. */
export interface IAzureJobRequest {
  sdk: AzureSdk;
  /** The checked folder: the job's code (snapshot). */
  folder: string;
  command: string;
  compute: string;
  environment: string;
  experiment: string;
  /** Shown in the studio; the notebook's name. */
  displayName: string;
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

export interface ISubmitHelper {
  read(
    path: string,
    options?: { offset?: number; length?: number }
  ): Promise<IReadResult>;
  submitAzureml(request: IAzureJobRequest): Promise<IAzureJobResult>;
  /** Start writing `path`; refused when it lies inside `outside`. */
  uploadBegin(path: string, outside: string): Promise<IUpload>;
  uploadChunk(token: string, data: Uint8Array): Promise<void>;
  /** Fsync and move into place; `overwrite` replaces an existing file. */
  uploadCommit(
    token: string,
    overwrite: boolean
  ): Promise<{ path: string; size: number }>;
  /** Drop an upload; nothing of it stays. */
  uploadAbort(token: string): Promise<void>;
  /** Remove a named partial file left by a kernel that died. */
  uploadDiscard(partial: string): Promise<void>;
}
