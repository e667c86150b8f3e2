/**
 * What the built-in targets need of the helper kernel (implemented by
 * `HelperKernel`; tests may pass a fake). Paths are server-relative.
 */
import type {
  IAzureJobRequest,
  IAzureJobResult,
  IReadResult,
  IUpload
} from '../kernel/helper-protocol.js';

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
