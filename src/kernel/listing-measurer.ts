import { joinPath } from '../snapshot/paths.js';
import type { ISnapshotSummary } from '../snapshot/summary.js';
import type { ILimits } from '../snapshot/types.js';
import type { HelperKernel } from './helper-kernel.js';
import { decodeListing, HelperKernelError } from './helper-protocol.js';
import { measureListing, type IListingFallback } from './listing-measure.js';
import type { FromWorker, ToWorker } from './measure-protocol.js';
import { errorMessage } from '../snapshot/errors.js';

/**
 * Measures a folder through the helper kernel with the decoding and the
 * engine in a Web Worker: a big listing costs the page a message, not a
 * long task. Where no worker can start, it measures on the page.
 */
export class ListingMeasurer {
  constructor(readonly helper: HelperKernel) {}

  async measure(
    folder: string,
    limits: ILimits,
    signal?: AbortSignal
  ): Promise<ISnapshotSummary> {
    // Started and answering first, so that the cost counts only the work.
    await this.helper.ping();
    const started = performance.now();
    const blob = await this.helper.walkBlob(folder, { signal });
    const fallback: IListingFallback = {
      list: path => this.helper.list(serverPath(folder, path), folder),
      read: async path =>
        (await this.helper.readFile(serverPath(folder, path))).data
    };
    const worker = this._worker();
    const summary =
      worker === null
        ? await measureListing(decodeListing(blob), limits, fallback)
        : await this._inWorker(worker, blob, limits, fallback, signal);
    return { ...summary, costMs: performance.now() - started };
  }

  dispose(): void {
    this._current?.terminate();
    this._current = null;
  }

  private _worker(): Worker | null {
    if (this._current === null && !this._unavailable) {
      try {
        this._current = new Worker(
          new URL('./measure-worker.js', import.meta.url)
        );
      } catch {
        this._unavailable = true;
      }
    }
    return this._current;
  }

  private _inWorker(
    worker: Worker,
    blob: Uint8Array,
    limits: ILimits,
    fallback: IListingFallback,
    signal?: AbortSignal
  ): Promise<ISnapshotSummary> {
    const id = this._nextId++;
    return new Promise<ISnapshotSummary>((resolve, reject) => {
      const post = (message: ToWorker, transfer: Transferable[] = []) =>
        worker.postMessage(message, transfer);
      const finish = () => {
        worker.removeEventListener('message', onMessage);
        worker.removeEventListener('error', onError);
        signal?.removeEventListener('abort', onAbort);
      };
      const onMessage = (event: MessageEvent<FromWorker>) => {
        const message = event.data;
        if (message.type === 'call') {
          const answer = (
            message.op === 'list'
              ? fallback.list(message.path).then(entries => ({ entries }))
              : fallback.read(message.path).then(data => ({ data }))
          ).catch(err => ({
            error: errorMessage(err)
          }));
          void answer.then(a =>
            post({ type: 'answer', call: message.call, ...a })
          );
          return;
        }
        if (message.id !== id) {
          return;
        }
        finish();
        if (message.summary) {
          resolve(message.summary);
        } else {
          reject(new Error(message.error ?? 'The measurement failed.'));
        }
      };
      const onError = (event: ErrorEvent) => {
        finish();
        this.dispose();
        reject(new Error(event.message || 'The meter worker failed.'));
      };
      // The worker cannot be interrupted mid-task: stop it, start anew
      // next time.
      const onAbort = () => {
        finish();
        this.dispose();
        reject(new HelperKernelError('The check was cancelled.', 'Cancelled'));
      };
      if (signal?.aborted) {
        onAbort();
        return;
      }
      worker.addEventListener('message', onMessage);
      worker.addEventListener('error', onError);
      signal?.addEventListener('abort', onAbort);
      const copy = blob.slice();
      post({ type: 'measure', id, blob: copy, limits }, [copy.buffer]);
    });
  }

  private _current: Worker | null = null;
  private _unavailable = false;
  private _nextId = 1;
}

function serverPath(root: string, path: string): string {
  return path === '' ? root : joinPath(root, path);
}
