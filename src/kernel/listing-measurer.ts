import type {
  IFarReport,
  IReportOptions,
  IScanOptions
} from '../access/folder-access.js';
import type { AdviceAnswer, AdviceQuestion } from '../snapshot/advisor.js';
import { joinPath } from '../snapshot/paths.js';
import { RuleSet } from '../snapshot/rules.js';
import type { ISurelyCounted } from '../snapshot/limits.js';
import type { IScan } from '../snapshot/scan.js';
import type { ISnapshotSummary } from '../snapshot/summary.js';
import type { IFileRecord, ILimits } from '../snapshot/types.js';
import type { HelperKernel } from './helper-kernel.js';
import { decodeListing, HelperKernelError } from './helper-protocol.js';
import {
  ListingStream,
  measureListing,
  scanStream,
  type IListingFallback
} from './listing-measure.js';
import type { FromWorker, ToWorker } from './measure-protocol.js';
import { errorMessage } from '../snapshot/errors.js';

type Done = FromWorker & { type: 'done' };

/** The ignore files a scan reads at the root (spec 2: .amlignore, else .gitignore). */
const IGNORE_FILES = ['.amlignore', '.gitignore'];

/** A scan, and the sha256 of its `.amlignore` as read (for the write). */
export interface IKernelScan {
  scan: IScan;
  amlignoreSha256: string | undefined;
}

/**
 * Measures and scans folders through the helper kernel with the decoding
 * and the engine in Web Workers: a big listing costs the page short
 * messages, not a long task. Where no worker can start, it works on the
 * page. The meter and the guard have a worker each, so that stopping one
 * (Cancel) leaves the other alone.
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
    // The meter's check is background work: Submit's scan() is not.
    const blob = await this.helper.walkBlob(folder, {
      signal,
      background: true
    });
    const fallback = this._fallback(folder);
    const summary = this._meter.available()
      ? (
          await this._meter.request(
            id => ({ type: 'measure', id, blob: copyOf(blob), limits }),
            fallback,
            { signal }
          )
        ).summary!
      : await measureListing(decodeListing(blob), limits, fallback);
    return { ...summary, costMs: performance.now() - started };
  }

  /**
   * The guard's scan of `folder`, made as the helper's listing streams in;
   * the worker keeps it, so that `report` on it runs there too.
   */
  async scan(folder: string, options: IScanOptions): Promise<IKernelScan> {
    const { signal, lowerBound, onRoot } = options;
    const hashes = new Map<string, string | undefined>();
    // The root's ignore files, asked for with the walk: the scan needs one
    // as soon as the root is listed, and each read is a round trip.
    const early = new Map(
      IGNORE_FILES.map(name => {
        const read = this.helper.readFile(serverPath(folder, name));
        read.catch(() => undefined);
        return [name, read] as const;
      })
    );
    const fallback = this._fallback(folder, hashes, early);
    let seen = 0;
    let counted: ISurelyCounted | undefined;
    const progress = () => options.onProgress?.(seen, counted);
    const onCounted = (c: ISurelyCounted) => {
      counted = c;
      progress();
    };
    const onSeen = (n: number) => {
      seen = n;
      progress();
    };
    const bound =
      lowerBound === undefined ? undefined : { sdk: lowerBound, onCounted };
    if (!this._scanner.available()) {
      // No worker: the same scan on the page.
      const stream = new ListingStream();
      const scanning = scanStream(stream, fallback, {
        ...(bound ? { lowerBound: bound } : {}),
        ...(onRoot ? { onRoot } : {})
      });
      scanning.catch(() => undefined);
      await this._walk(folder, options, blob => stream.push(blob), onSeen).then(
        last => stream.push(last, true),
        err => {
          stream.fail(err);
          throw err;
        }
      );
      return {
        scan: await scanning,
        amlignoreSha256: hashes.get('.amlignore')
      };
    }
    const files: IFileRecord[] = [];
    const worker = this._scanner;
    let id = 0;
    const scanning = worker.request(
      i => {
        id = i;
        return {
          type: 'scan',
          id,
          ...(lowerBound === undefined ? {} : { lowerBound }),
          ...(onRoot ? { root: true } : {})
        };
      },
      fallback,
      {
        signal,
        onFiles: chunk => {
          for (const f of chunk) {
            files.push(f);
          }
        },
        onCounted,
        onRoot
      }
    );
    // Failures are the walk's to tell, or come from the awaits below.
    scanning.catch(() => undefined);
    try {
      const last = await this._walk(
        folder,
        options,
        blob => worker.post({ type: 'chunk', id, blob: copyOf(blob) }),
        onSeen
      );
      worker.post({ type: 'chunk', id, blob: copyOf(last), last: true });
    } catch (err) {
      worker.post({ type: 'chunk', id, error: errorMessage(err) });
      throw err;
    }
    const done = await scanning;
    const rest = done.scan!;
    const scan: IScan = {
      ...rest,
      files,
      // As scanFolder parsed them: the rules of its default SDK (v1).
      rules: RuleSet.parse(rest.ignoreText ?? '', rest.ignoreFile, rest.sdk)
    };
    this._kept.set(files, { worker: worker.current, id });
    return { scan, amlignoreSha256: hashes.get('.amlignore') };
  }

  /** The helper's walk of `folder`, streamed: its last chunk. */
  private _walk(
    folder: string,
    options: IScanOptions,
    onChunk: (blob: Uint8Array) => void,
    onProgress: (filesSeen: number) => void
  ): Promise<Uint8Array> {
    return this.helper.walkBlob(folder, {
      signal: options.signal,
      onChunk,
      onProgress
    });
  }

  /**
   * The report on a scan of `scan()` (or on it read by another SDK), made
   * in the worker; `null` when the worker no longer holds that scan.
   */
  async report(
    scan: IScan,
    limits: ILimits,
    options: IReportOptions = {}
  ): Promise<IFarReport | null> {
    const kept = this._kept.get(scan.files);
    if (!kept || kept.worker !== this._scanner.current) {
      return null;
    }
    const done = await this._scanner.request(
      id => ({
        type: 'report',
        id,
        scan: kept.id,
        sdk: scan.sdk,
        profileReason: scan.profileReason,
        limits,
        ...(options.data ? { data: options.data } : {})
      }),
      this._fallback(''),
      { signal: options.signal, gone: true }
    );
    if (!done.report || !done.included) {
      return null;
    }
    const included = Array.from(done.included, i => scan.files[i]);
    return {
      report: { ...done.report, included },
      dataToMove: done.dataToMove
    };
  }

  /**
   * The advisor's answer on a scan of `scan()`, made in the worker; `null`
   * when the worker no longer holds that scan.
   */
  async advise<Q extends AdviceQuestion>(
    scan: IScan,
    question: Q
  ): Promise<AdviceAnswer<Q> | null> {
    const kept = this._kept.get(scan.files);
    if (!kept || kept.worker !== this._scanner.current) {
      return null;
    }
    const done = await this._scanner.request(
      id => ({
        type: 'advise',
        id,
        scan: kept.id,
        sdk: scan.sdk,
        profileReason: scan.profileReason,
        question
      }),
      this._fallback(''),
      { gone: true }
    );
    return (done.advice as AdviceAnswer<Q> | undefined) ?? null;
  }

  dispose(): void {
    this._meter.dispose();
    this._scanner.dispose();
  }

  /** What the listing cannot answer, asked of the helper kernel. */
  private _fallback(
    folder: string,
    hashes?: Map<string, string | undefined>,
    early?: Map<string, Promise<{ data: Uint8Array; sha256?: string }>>
  ): IListingFallback {
    return {
      list: path => this.helper.list(serverPath(folder, path), folder),
      read: async path => {
        const readNow = () => this.helper.readFile(serverPath(folder, path));
        const started = early?.get(path);
        early?.delete(path);
        // A read started early that failed is made again: the listing
        // says the file is there now.
        const { data, sha256 } = started
          ? await started.catch(readNow)
          : await readNow();
        hashes?.set(path, sha256);
        return data;
      }
    };
  }

  private readonly _meter = new ListingWorker();
  private readonly _scanner = new ListingWorker();
  /** Scans the scanner worker holds, by their files array. */
  private readonly _kept = new WeakMap<
    readonly IFileRecord[],
    { worker: Worker | null; id: number }
  >();
}

interface IRequest {
  fallback: IListingFallback;
  onFiles?(files: IFileRecord[]): void;
  onCounted?(counted: ISurelyCounted): void;
  onRoot?(files: IFileRecord[]): void;
  resolve(done: Done): void;
  reject(err: Error): void;
}

/** One Web Worker running measure-worker.ts, and its requests. */
class ListingWorker {
  /** The worker now, or null when there is none (yet). */
  get current(): Worker | null {
    return this._worker;
  }

  /** True when a worker runs or can start. */
  available(): boolean {
    if (this._worker === null && !this._unavailable) {
      try {
        const worker = new Worker(
          new URL('./measure-worker.js', import.meta.url)
        );
        worker.addEventListener('message', e => this._onMessage(worker, e));
        worker.addEventListener('error', e =>
          this._stop(new Error(e.message || 'The listing worker failed.'))
        );
        this._worker = worker;
      } catch {
        this._unavailable = true;
      }
    }
    return this._worker !== null;
  }

  /**
   * Post the message `make(id)` builds; resolves with its result. `gone`:
   * an answer without result is not an error (the caller falls back).
   */
  request(
    make: (id: number) => ToWorker,
    fallback: IListingFallback,
    options: {
      signal?: AbortSignal;
      onFiles?(files: IFileRecord[]): void;
      onCounted?(counted: ISurelyCounted): void;
      onRoot?(files: IFileRecord[]): void;
      gone?: boolean;
    } = {}
  ): Promise<Done> {
    const { signal } = options;
    const worker = this._worker;
    const id = this._nextId++;
    return new Promise<Done>((resolve, reject) => {
      if (worker === null) {
        reject(new Error('The listing worker is not running.'));
        return;
      }
      // The worker cannot be interrupted mid-task: stop it (and what else
      // it was doing), start anew next time.
      const onAbort = () =>
        this._stop(
          new HelperKernelError('The check was cancelled.', 'Cancelled')
        );
      if (signal?.aborted) {
        onAbort();
        reject(new HelperKernelError('The check was cancelled.', 'Cancelled'));
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = () => signal?.removeEventListener('abort', onAbort);
      this._requests.set(id, {
        fallback,
        onFiles: options.onFiles,
        onCounted: options.onCounted,
        onRoot: options.onRoot,
        resolve: done => {
          settle();
          if (
            done.error !== undefined &&
            !(options.gone && done.error === 'gone')
          ) {
            reject(new Error(done.error));
          } else {
            resolve(done);
          }
        },
        reject: err => {
          settle();
          reject(err);
        }
      });
      const message = make(id);
      const blob = 'blob' in message ? message.blob : null;
      worker.postMessage(message, blob ? [blob.buffer] : []);
    });
  }

  /**
   * More for a request already made (a chunk of its listing); dropped when
   * the worker has stopped meanwhile (Cancel) or the request has ended.
   */
  post(message: ToWorker & { type: 'chunk' }): void {
    if (this._worker !== null && this._requests.has(message.id)) {
      this._worker.postMessage(
        message,
        message.blob ? [message.blob.buffer] : []
      );
    }
  }

  dispose(): void {
    this._stop(new Error('The listing worker was stopped.'));
  }

  private _onMessage(worker: Worker, event: MessageEvent<FromWorker>) {
    const message = event.data;
    const request = this._requests.get(message.id);
    if (worker !== this._worker || !request) {
      return;
    }
    if (message.type === 'files') {
      request.onFiles?.(message.files);
      return;
    }
    if (message.type === 'counted') {
      request.onCounted?.(message.counted);
      return;
    }
    if (message.type === 'root') {
      request.onRoot?.(message.files);
      return;
    }
    if (message.type === 'call') {
      const { fallback } = request;
      const answer = (
        message.op === 'list'
          ? fallback.list(message.path).then(entries => ({ entries }))
          : fallback.read(message.path).then(data => ({ data }))
      ).catch(err => ({ error: errorMessage(err) }));
      void answer.then(a => {
        if (this._worker === worker) {
          worker.postMessage({
            type: 'answer',
            call: message.call,
            ...a
          } as ToWorker);
        }
      });
      return;
    }
    this._requests.delete(message.id);
    request.resolve(message);
  }

  /** Terminate the worker and fail what it was doing. */
  private _stop(err: Error) {
    this._worker?.terminate();
    this._worker = null;
    const requests = [...this._requests.values()];
    this._requests.clear();
    for (const r of requests) {
      r.reject(err);
    }
  }

  private _worker: Worker | null = null;
  private _unavailable = false;
  private _nextId = 1;
  private readonly _requests = new Map<number, IRequest>();
}

/** A copy to transfer: the helper's buffer may be a view of a bigger one. */
function copyOf(blob: Uint8Array): Uint8Array {
  return blob.slice();
}

function serverPath(root: string, path: string): string {
  return path === '' ? root : joinPath(root, path);
}
