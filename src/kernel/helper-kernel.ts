import { URLExt } from '@jupyterlab/coreutils';
import {
  KernelAPI,
  ServerConnection,
  type Kernel,
  type KernelMessage,
  type KernelSpec,
  type Session
} from '@jupyterlab/services';
import type { JSONObject, JSONValue } from '@lumino/coreutils';
import { strFromU8, unzlibSync } from 'fflate';
import type { IDirEntry } from '../snapshot/types.js';
import type { IInstalledSdks } from '../snapshot/sdk-detect.js';
import type {
  IAzureJobRequest,
  IAzureJobResult,
  IUpload
} from './helper-protocol.js';
import { HELPER_SOURCE } from './helper-source.js';
import { errorMessage } from '../snapshot/errors.js';

/** Files and folders of a snapshot folder to make a data asset of. */
export interface IDataUploadRequest {
  sdk: 'v1' | 'v2';
  /** The snapshot folder (server-relative). */
  folder: string;
  /** Relative to `folder`. */
  paths: string[];
  name: string;
  version: string;
  /** The notebook (relative to `folder`): refused if a path holds it. */
  keep?: string;
  description?: string;
}

export interface IDataUploadResult {
  name: string;
  /** The version made (v1's register numbers it itself). */
  version: string;
  type: 'uri_folder' | 'uri_file';
  files: number;
  bytes: number;
  paths: string[];
}

/** A `walk` listing as the helper sends it: zlib-compressed JSON. */
export function decodeListing(blob: Uint8Array): IWalkListing {
  return JSON.parse(strFromU8(unzlibSync(blob))) as IWalkListing;
}

/** The comm target registered by helper.py. */
export const HELPER_TARGET = 'snapshot_guard';
/** How often pending requests check that the kernel still exists. */
const WATCHDOG_MS = 2000;
/** Chunk size for reading big files (zipping). */
export const READ_CHUNK = 4 * 1024 * 1024;

/**
 * Why a helper request failed. `type` is the Python side's error type
 * (`BadPath`, `NotFound`, `PermissionDenied`, `Changed`, `Exists`,
 * `CopyFailed`, `Cancelled`, ...) or one of the client's own:
 * `NoPythonKernel` (fall back to the Contents API), `KernelStopped`,
 * `Disposed`, `StartFailed`.
 */
export class HelperKernelError extends Error {
  constructor(
    message: string,
    readonly type: string,
    readonly op?: string,
    readonly path?: string,
    /** Technical detail, e.g. the Azure SDK's exception class and text. */
    readonly detail?: string
  ) {
    super(message);
    // Callers that only know AbortSignal check the name.
    this.name = type === 'Cancelled' ? 'AbortError' : 'HelperKernelError';
  }
}

/** Everything `walk` saw under a folder, keyed by path relative to it. */
export interface IWalkListing {
  /** The walked folder, relative to the server root. */
  root: string;
  /** `dev:ino` of the walked folder, for the engine's loop detection. */
  rootId: string;
  /** Files seen (links to files included). */
  files: number;
  /** Every listed folder's entries; `''` is the walked folder. */
  dirs: Record<string, IDirEntry[]>;
  /** Folders that could not be listed, with the reason. */
  errors: Record<string, string>;
}

export interface IWalkOptions {
  onProgress?(filesSeen: number): void;
  signal?: AbortSignal;
  /** Folder that `link.outside` is judged against (default: the walked one). */
  base?: string;
}

export interface IReadResult {
  data: Uint8Array;
  /** The file's size when read. */
  size: number;
  offset: number;
  eof: boolean;
  mtime: number;
  /** sha256 of the file, present when this read covered all of it. */
  sha256?: string;
}

export interface IHelperStat {
  kind: 'file' | 'dir' | 'other';
  size: number;
  mtime: number;
  sha256?: string;
}

export interface IWriteResult {
  path: string;
  size: number;
  sha256: string;
}

export interface ICopyPair {
  src: string;
  dst: string;
}

export interface ICopied extends ICopyPair {
  size: number;
  sha256: string;
}

export interface IRemoveResult {
  removed: string[];
  kept: { path: string; reason: string }[];
  missing: string[];
  /** Files still inside the folder of an interrupted copy. */
  left: string[];
}

/** A folder holding an interrupted copy (its journal, MARKER in helper.py). */
export interface IIncomplete {
  folder: string;
  files: number;
  bytes: number;
}

export interface IHelperInfo {
  protocol: number;
  versions: Record<string, string>;
  pid: number;
}

/** What the helper needs of `ServiceManager.IManager`. */
export interface IHelperServices {
  readonly sessions: Session.IManager;
  readonly kernelspecs: KernelSpec.IManager;
  readonly serverSettings?: ServerConnection.ISettings;
}

export interface IHelperKernelOptions {
  /** Kernelspec to use; else the first Python one. */
  kernelName?: string;
  /** Session path at the server root (also the helper's working folder). */
  path?: string;
  /** Session name, shown under Running Kernels. */
  name?: string;
  /** Session type. */
  type?: string;
}

export interface IDisposableLike {
  dispose(): void;
}

interface IPending {
  op: string;
  resolve(value: IRawReply): void;
  reject(err: Error): void;
  onProgress?(n: number): void;
}

interface IRawReply {
  result: any;
  buffers: Uint8Array[];
}

interface IConnection {
  session: Session.ISessionConnection;
  kernel: Kernel.IKernelConnection;
  comm: Kernel.IComm;
}

interface IReplyData {
  id?: string;
  ok?: boolean;
  result?: any;
  error?: { type?: string; message?: string; path?: string; detail?: string };
  progress?: number;
}

const STOPPED: ReadonlySet<string> = new Set([
  'dead',
  'restarting',
  'autorestarting',
  'terminating'
]);

/**
 * File work through a dedicated Python kernel, because the Contents API
 * hides dotfiles. Starts its session on first use, reuses it, and starts
 * afresh on the next call after the kernel stopped.
 */
export class HelperKernel implements IDisposableLike {
  readonly kernelName: string | undefined;
  readonly path: string;
  readonly name: string;
  readonly type: string;

  constructor(
    private readonly _services: IHelperServices,
    options: IHelperKernelOptions = {}
  ) {
    this.kernelName = options.kernelName;
    this.path = options.path ?? '.snapshot-guard-helper';
    this.name = options.name ?? 'Snapshot Guard helper';
    this.type = options.type ?? 'snapshot-guard';
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** The running session, if any (for tests and the Running panel). */
  get session(): Session.ISessionConnection | null {
    return this._session;
  }

  /**
   * The kernelspec the helper would use: the configured one if it exists,
   * else the default if it is Python, else the first Python one; `null`
   * when there is no Python kernel at all.
   */
  async pickKernelSpec(): Promise<string | null> {
    const manager = this._services.kernelspecs;
    await manager.ready;
    let specs = manager.specs;
    if (!specs) {
      await manager.refreshSpecs();
      specs = manager.specs;
    }
    const all = specs?.kernelspecs ?? {};
    if (this.kernelName && all[this.kernelName]) {
      return this.kernelName;
    }
    const isPython = (name: string) =>
      (all[name]?.language ?? '').toLowerCase() === 'python';
    if (specs?.default && isPython(specs.default)) {
      return specs.default;
    }
    return Object.keys(all).find(isPython) ?? null;
  }

  /** True when a Python kernel can serve the helper. */
  async isAvailable(): Promise<boolean> {
    return (await this.pickKernelSpec()) !== null;
  }

  ping(): Promise<IHelperInfo> {
    return this._call('ping', {});
  }

  /** Which Azure ML SDKs the helper kernel's Python can import. */
  installedSdks(): Promise<IInstalledSdks> {
    return this._call('installed_sdks', {});
  }

  /** The whole tree under `path` (server-relative) in one listing. */
  async walk(path: string, options: IWalkOptions = {}): Promise<IWalkListing> {
    return decodeListing(await this.walkBlob(path, options));
  }

  /**
   * `walk`'s listing as sent: zlib-compressed JSON, for a caller that
   * decodes it elsewhere (the meter's worker).
   */
  async walkBlob(
    path: string,
    options: IWalkOptions = {}
  ): Promise<Uint8Array> {
    const args: JSONObject = { path };
    if (options.base !== undefined) {
      args.base = options.base;
    }
    const reply = await this._request('walk', args, options);
    const blob = reply.buffers[0];
    if (!blob) {
      throw new HelperKernelError(
        'The helper sent a listing without data.',
        'Protocol',
        'walk',
        path
      );
    }
    return blob;
  }

  /** One folder level (used when a walk did not reach a folder). */
  list(path: string, base?: string): Promise<IDirEntry[]> {
    return this._call('list', base === undefined ? { path } : { path, base });
  }

  /** Up to `length` bytes of a file from `offset` (default: all, ≤ 64 MiB). */
  async read(
    path: string,
    options: { offset?: number; length?: number } = {}
  ): Promise<IReadResult> {
    const args: JSONObject = { path, offset: options.offset ?? 0 };
    if (options.length !== undefined) {
      args.length = options.length;
    }
    const { result, buffers } = await this._request('read', args);
    return { ...result, data: buffers[0] ?? new Uint8Array(0) };
  }

  /** A whole file, read in chunks; `sha256` when it came in one chunk. */
  async readFile(
    path: string,
    chunkSize = READ_CHUNK
  ): Promise<{ data: Uint8Array; sha256?: string }> {
    const first = await this.read(path, { length: chunkSize });
    if (first.eof) {
      return { data: first.data, sha256: first.sha256 };
    }
    const parts = [first.data];
    let offset = first.data.length;
    for (;;) {
      const next = await this.read(path, { offset, length: chunkSize });
      parts.push(next.data);
      offset += next.data.length;
      if (next.eof || next.data.length === 0) {
        break;
      }
    }
    const data = new Uint8Array(offset);
    let at = 0;
    for (const p of parts) {
      data.set(p, at);
      at += p.length;
    }
    return { data };
  }

  /** A file's bytes chunk by chunk, for zipping without holding it all. */
  async *readChunks(
    path: string,
    chunkSize = READ_CHUNK
  ): AsyncGenerator<Uint8Array> {
    let offset = 0;
    for (;;) {
      const r = await this.read(path, { offset, length: chunkSize });
      if (r.data.length > 0) {
        yield r.data;
      }
      offset += r.data.length;
      if (r.eof || r.data.length === 0) {
        return;
      }
    }
  }

  stat(path: string, options: { hash?: boolean } = {}): Promise<IHelperStat> {
    return this._call('stat', { path, hash: options.hash ?? false });
  }

  /**
   * Replace `path` with `text` (UTF-8) only if it still has the sha256
   * `expect`; `null` means it must not exist. Rejects with type `Changed`
   * (and writes nothing) otherwise.
   */
  writeAtomic(
    path: string,
    text: string,
    expect: string | null
  ): Promise<IWriteResult> {
    return this._call('write_atomic', { path, text, expect });
  }

  /** Create a new folder `base` (or `base-2`, ...) in `parent`; its path. */
  mkdirUnique(parent: string, base: string): Promise<string> {
    return this._call('mkdir_unique', { parent, base });
  }

  /**
   * Copy files into a folder made by `mkdirUnique`, verified by sha256.
   * On failure nothing of this call is left behind (type `CopyFailed`).
   */
  copyFiles(pairs: ICopyPair[]): Promise<ICopied[]> {
    return this._call('copy_files', {
      pairs: pairs.map(p => ({ src: p.src, dst: p.dst }))
    });
  }

  /** Roll back: remove files, then empty folders, that the helper created. */
  removeCreated(paths: string[]): Promise<IRemoveResult> {
    return this._call('remove_created', { paths });
  }

  /** Interrupted copies in `path` or right below it (any helper's). */
  findIncomplete(path: string): Promise<IIncomplete[]> {
    return this._call('find_incomplete', { path });
  }

  /** Remove what the journal of the interrupted copy in `folder` records. */
  discardIncomplete(folder: string): Promise<IRemoveResult> {
    return this._call('discard_incomplete', { folder });
  }

  /**
   * Submit an Azure ML command job whose code is `request.folder`, with
   * the SDK the request names. Rejects with a readable message and type
   * `SdkMissing`, `NoConfig`, `AuthFailed`, `Unreachable`,
   * `UnknownCompute`, `SnapshotTooBig` or `SdkError`, the Azure SDK's
   * exception class and text in `detail`.
   */
  submitAzureml(request: IAzureJobRequest): Promise<IAzureJobResult> {
    return this._call('submit_azureml', {
      sdk: request.sdk,
      folder: request.folder,
      command: request.command,
      compute: request.compute,
      environment: request.environment,
      experiment: request.experiment,
      display_name: request.displayName,
      ...(request.snapshotMaxBytes !== undefined
        ? { snapshot_max_bytes: request.snapshotMaxBytes }
        : {}),
      ...(request.inputs && request.inputs.length > 0
        ? { inputs: request.inputs as unknown as JSONValue }
        : {})
    });
  }

  /** The versions a data asset has in the notebook's workspace. */
  async dataVersions(
    sdk: 'v1' | 'v2',
    folder: string,
    name: string
  ): Promise<string[]> {
    const r = await this._call<{ versions: string[] }>('data_versions', {
      sdk,
      folder,
      name
    });
    return r.versions;
  }

  /**
   * Upload files and folders of `folder` and make them a data asset; rejects
   * with type `Cancelled`, `Offline`, `BadPath`, `BadRequest` or an SDK
   * error's. Progress: files uploaded so far.
   */
  uploadData(
    request: IDataUploadRequest,
    options: { onProgress?(files: number): void; signal?: AbortSignal } = {}
  ): Promise<IDataUploadResult> {
    return this._request(
      'upload_data',
      {
        sdk: request.sdk,
        folder: request.folder,
        paths: request.paths,
        name: request.name,
        version: request.version,
        keep: request.keep ?? null,
        description: request.description ?? ''
      },
      options
    ).then(r => r.result as unknown as IDataUploadResult);
  }

  /**
   * Start writing a file at `path` (refused inside folder `outside`, type
   * `InsideSnapshot`); it appears only on `uploadCommit`.
   */
  uploadBegin(path: string, outside: string): Promise<IUpload> {
    return this._call('upload_begin', { path, outside });
  }

  async uploadChunk(token: string, data: Uint8Array): Promise<void> {
    await this._request('upload_chunk', { token }, { buffers: [data] });
  }

  /** Fsync and move the file into place; type `Exists` if it appeared. */
  uploadCommit(
    token: string,
    overwrite: boolean
  ): Promise<{ path: string; size: number }> {
    return this._call('upload_commit', { token, overwrite });
  }

  async uploadAbort(token: string): Promise<void> {
    await this._call('upload_abort', { token });
  }

  async uploadDiscard(partial: string): Promise<void> {
    await this._call('upload_discard', { partial });
  }

  /**
   * Shut the helper's session down when the page goes away. `pagehide`
   * rather than `beforeunload`: the latter also fires when the user then
   * stays on the page (JupyterLab's "unsaved changes" prompt). A
   * `keepalive` request outlives the page; a normal one would be cut off.
   */
  shutdownOnUnload(
    target: Pick<Window, 'addEventListener' | 'removeEventListener'> = window
  ): IDisposableLike {
    const handler = () => this._shutdownKeepalive();
    target.addEventListener('pagehide', handler);
    return {
      dispose: () => target.removeEventListener('pagehide', handler)
    };
  }

  /** Shut the session down and wait for it. */
  async shutdown(): Promise<void> {
    const session = this._session;
    this._stop('Disposed');
    this._session = null;
    if (session && !session.isDisposed) {
      try {
        await session.shutdown();
      } catch {
        // already gone
      }
    }
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    void this.shutdown();
    this._disposed = true;
  }

  // -- plumbing -------------------------------------------------------------

  private async _call<T>(op: string, args: JSONObject): Promise<T> {
    return (await this._request(op, args)).result as T;
  }

  private async _request(
    op: string,
    args: JSONObject,
    options: {
      onProgress?(n: number): void;
      signal?: AbortSignal;
      buffers?: Uint8Array[];
    } = {}
  ): Promise<IRawReply> {
    const { signal } = options;
    if (this._disposed) {
      throw new HelperKernelError(
        'The helper kernel was shut down.',
        'Disposed',
        op
      );
    }
    if (signal?.aborted) {
      throw cancelled(op);
    }
    const conn = await this._ensure(op);
    if (signal?.aborted) {
      throw cancelled(op);
    }
    const id = `${this._prefix}${++this._seq}`;
    return new Promise<IRawReply>((resolve, reject) => {
      const onAbort = () => {
        if (this._pending.delete(id)) {
          reject(cancelled(op));
          // Tell the kernel to stop too; its late reply is dropped.
          this._send(conn, `${id}-cancel`, 'cancel', { target: id });
        }
      };
      const settle = () => signal?.removeEventListener('abort', onAbort);
      this._pending.set(id, {
        op,
        resolve: v => {
          settle();
          resolve(v);
        },
        reject: e => {
          settle();
          reject(e);
        },
        onProgress: options.onProgress
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      this._armWatchdog(conn);
      if (!this._send(conn, id, op, args, options.buffers)) {
        this._pending.delete(id);
        settle();
        reject(stopped(op));
      }
    });
  }

  private _send(
    conn: IConnection,
    id: string,
    op: string,
    args: JSONObject,
    buffers?: Uint8Array[]
  ): boolean {
    try {
      // Arguments travel as comm data only, never as code.
      const future = conn.comm.send(
        { id, op, args } as JSONValue,
        undefined,
        buffers?.map(exactBuffer)
      );
      future.done.catch(() => undefined);
      return true;
    } catch {
      return false;
    }
  }

  private _ensure(op: string): Promise<IConnection> {
    if (!this._ready) {
      const ready = this._start(op);
      this._ready = ready;
      ready.catch(() => {
        if (this._ready === ready) {
          this._ready = null;
        }
      });
    }
    return this._ready;
  }

  private async _start(op: string): Promise<IConnection> {
    const generation = this._generation;
    const session = await this._sessionFor(op);
    const kernel = session.kernel;
    if (!kernel) {
      throw new HelperKernelError(
        'The helper session has no kernel.',
        'StartFailed',
        op
      );
    }
    const conn: IConnection = {
      session,
      kernel,
      comm: kernel.createComm(HELPER_TARGET)
    };
    this._watch(conn);
    try {
      const reply = await kernel.requestExecute(
        {
          code: HELPER_SOURCE,
          silent: true,
          store_history: false,
          stop_on_error: true
        },
        true
      ).done;
      if (reply.content.status !== 'ok') {
        const c = reply.content as KernelMessage.IReplyErrorContent;
        throw new HelperKernelError(
          `The helper code failed in the kernel: ${c.ename ?? 'error'}: ${c.evalue ?? ''}`,
          'StartFailed',
          op
        );
      }
      conn.comm.onMsg = msg => this._onMsg(msg);
      conn.comm.onClose = () => {
        if (this._conn === conn) {
          this._stop('KernelStopped');
        }
      };
      await conn.comm.open({ protocol: 1 }).done;
    } catch (err) {
      this._unwatch(conn);
      if (err instanceof HelperKernelError) {
        throw err;
      }
      throw new HelperKernelError(
        `The helper kernel stopped during start (${errorMessage(err)}).`,
        'KernelStopped',
        op
      );
    }
    if (generation !== this._generation || conn.comm.isDisposed) {
      this._unwatch(conn);
      throw stopped(op);
    }
    this._conn = conn;
    return conn;
  }

  private async _sessionFor(op: string): Promise<Session.ISessionConnection> {
    const current = this._session;
    if (current && !current.isDisposed && current.kernel) {
      return current;
    }
    const kernelName = await this.pickKernelSpec();
    if (!kernelName) {
      throw new HelperKernelError(
        'No Python kernel is available for the helper.',
        'NoPythonKernel',
        op
      );
    }
    // The server answers an existing session at the same path (another tab,
    // an earlier page) instead of starting a second kernel.
    const session = await this._services.sessions.startNew({
      path: this.path,
      name: this.name,
      type: this.type,
      kernel: { name: kernelName }
    });
    this._session = session;
    session.disposed.connect(() => {
      if (this._session === session) {
        this._session = null;
        this._stop('KernelStopped');
      }
    });
    return session;
  }

  private _watch(conn: IConnection) {
    conn.kernel.statusChanged.connect(this._onStatus, this);
    conn.kernel.connectionStatusChanged.connect(this._onConnection, this);
    conn.kernel.disposed.connect(this._onKernelGone, this);
    conn.session.kernelChanged.connect(this._onKernelGone, this);
  }

  private _unwatch(conn: IConnection) {
    conn.kernel.statusChanged.disconnect(this._onStatus, this);
    conn.kernel.connectionStatusChanged.disconnect(this._onConnection, this);
    conn.kernel.disposed.disconnect(this._onKernelGone, this);
    conn.session.kernelChanged.disconnect(this._onKernelGone, this);
  }

  private _onStatus(_: Kernel.IKernelConnection, status: KernelMessage.Status) {
    if (STOPPED.has(status)) {
      const dead = status === 'dead';
      this._stop('KernelStopped');
      if (dead) {
        // A dead kernel does not come back: start a new session next time.
        const session = this._session;
        this._session = null;
        if (session) {
          void this._endSession(session);
        }
      }
    }
  }

  /**
   * Delete a dead kernel's session if the server still lists it. A kernel
   * shut down through the REST API takes its session with it at the
   * server's next listing, and deleting it then fails with a 404.
   */
  private async _endSession(session: Session.ISessionConnection) {
    try {
      await this._services.sessions.refreshRunning();
      const listed = Array.from(this._services.sessions.running()).some(
        m => m.id === session.id
      );
      if (listed) {
        await session.shutdown();
      } else {
        session.dispose();
      }
    } catch {
      // Already gone.
    }
  }

  private _onConnection(
    kernel: Kernel.IKernelConnection,
    status: Kernel.ConnectionStatus
  ) {
    if (status === 'disconnected') {
      this._stop('KernelStopped');
    } else if (status === 'connecting' && this._conn?.kernel === kernel) {
      // The socket dropped. The client retries with growing pauses (several
      // seconds) before giving up: ask the server now.
      this._checkAlive(kernel);
    }
  }

  /**
   * While requests wait, ask the server every few seconds whether the
   * kernel still exists: jupyter_server keeps the socket of a kernel deleted
   * through its REST API open and tells the client nothing, so pending
   * requests would wait until the next poll of running sessions.
   */
  private _armWatchdog(conn: IConnection) {
    if (this._watchdog !== null) {
      return;
    }
    const timer = setInterval(() => {
      if (this._pending.size === 0 || this._conn !== conn) {
        this._disarmWatchdog();
        return;
      }
      this._checkAlive(conn.kernel);
    }, WATCHDOG_MS);
    // Node (tests): never keep the process alive for this.
    (timer as { unref?(): void }).unref?.();
    this._watchdog = timer;
  }

  private _disarmWatchdog() {
    if (this._watchdog !== null) {
      clearInterval(this._watchdog);
      this._watchdog = null;
    }
  }

  /** Fail pending requests now if the server no longer knows the kernel. */
  private _checkAlive(kernel: Kernel.IKernelConnection) {
    const generation = this._generation;
    // The list, not GET /api/kernels/<id>: its 404 would be logged as a
    // console error in the browser.
    void KernelAPI.listRunning(kernel.serverSettings)
      .then(models => {
        if (
          models.some(m => m.id === kernel.id) ||
          generation !== this._generation
        ) {
          return;
        }
        this._stop('KernelStopped');
        // Its session went with it on the server (dropped on the next
        // look-up): forget it here and start afresh next time.
        const session = this._session;
        if (session?.kernel?.id === kernel.id) {
          this._session = null;
          session.dispose();
        }
      })
      .catch(err => {
        // Retried on the next tick (jupyter_server 1.23 answers 500 while a
        // kernel starts), but never silently.
        console.warn(
          `Snapshot Guard: could not check that the helper kernel runs: ${err}`
        );
      });
  }

  private _onKernelGone() {
    this._stop('KernelStopped');
  }

  /** Reject every pending request and forget the connection. */
  private _stop(type: 'KernelStopped' | 'Disposed') {
    this._generation++;
    this._disarmWatchdog();
    const conn = this._conn;
    this._conn = null;
    this._ready = null;
    if (conn) {
      this._unwatch(conn);
      conn.comm.onMsg = () => undefined;
      conn.comm.onClose = () => undefined;
    }
    const pending = [...this._pending.values()];
    this._pending.clear();
    for (const p of pending) {
      p.reject(
        type === 'Disposed'
          ? new HelperKernelError(
              `The helper kernel was shut down during ${p.op}.`,
              'Disposed',
              p.op
            )
          : stopped(p.op)
      );
    }
  }

  private _onMsg(msg: KernelMessage.ICommMsgMsg) {
    const data = msg.content.data as IReplyData;
    const pending =
      data.id === undefined ? undefined : this._pending.get(data.id);
    if (!pending) {
      return;
    }
    if (typeof data.progress === 'number') {
      pending.onProgress?.(data.progress);
      return;
    }
    this._pending.delete(data.id!);
    if (data.ok) {
      pending.resolve({ result: data.result, buffers: toBytes(msg.buffers) });
      return;
    }
    const type = data.error?.type ?? 'Error';
    const message =
      type === 'Interrupted'
        ? `The helper kernel stopped during ${pending.op} (interrupted).`
        : (data.error?.message ?? `The helper failed during ${pending.op}.`);
    pending.reject(
      new HelperKernelError(
        message,
        type,
        pending.op,
        data.error?.path,
        data.error?.detail
      )
    );
  }

  private _shutdownKeepalive() {
    const session = this._session;
    if (!session || session.isDisposed) {
      return;
    }
    const settings = this._services.serverSettings ?? session.serverSettings;
    const url = URLExt.join(
      settings.baseUrl,
      'api/sessions',
      encodeURIComponent(session.id)
    );
    try {
      void ServerConnection.makeRequest(
        url,
        { method: 'DELETE', keepalive: true },
        settings
      ).catch(() => undefined);
    } catch {
      // leaving anyway
    }
  }

  private _disposed = false;
  private _session: Session.ISessionConnection | null = null;
  private _conn: IConnection | null = null;
  private _ready: Promise<IConnection> | null = null;
  private _generation = 0;
  private _watchdog: ReturnType<typeof setInterval> | null = null;
  private _seq = 0;
  // Ids stay unique across helper instances sharing one session.
  private readonly _prefix = `${Math.random().toString(36).slice(2, 8)}-`;
  private readonly _pending = new Map<string, IPending>();
}

function stopped(op: string): HelperKernelError {
  return new HelperKernelError(
    `The helper kernel stopped during ${op}.`,
    'KernelStopped',
    op
  );
}

function cancelled(op: string): HelperKernelError {
  return new HelperKernelError(`The ${op} was cancelled.`, 'Cancelled', op);
}

function toBytes(
  buffers: (ArrayBuffer | ArrayBufferView)[] | undefined
): Uint8Array[] {
  return (buffers ?? []).map(b =>
    b instanceof ArrayBuffer
      ? new Uint8Array(b)
      : new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
  );
}

/**
 * A view as a buffer of exactly its bytes. @jupyterlab/services serializes
 * a view by its whole backing `buffer` (ignoring offset and length), which
 * sends the wrong bytes or throws when the view is a slice.
 */
function exactBuffer(view: Uint8Array): Uint8Array {
  return view.byteOffset === 0 && view.byteLength === view.buffer.byteLength
    ? view
    : view.slice();
}
