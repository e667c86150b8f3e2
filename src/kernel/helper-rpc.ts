/**
 * The helper kernel's comm RPC: its session's lifecycle (started on first
 * use, reused, started afresh after the kernel stopped), a watchdog that
 * fails pending requests when the server forgets the kernel, and requests
 * multiplexed over one comm by id. The operations are in helper-kernel.ts.
 */
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
import { errorMessage } from '../snapshot/errors.js';
import {
  HELPER_TARGET,
  HelperKernelError,
  operationName,
  type IReplyData
} from './helper-protocol.js';
import { HELPER_SOURCE } from './helper-source.js';

/** How often pending requests check that the kernel still exists. */
const WATCHDOG_MS = 2000;

/** Longest wait for the server to drop a session that stopped in its start. */
const LET_GO_MS = 15_000;

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
  onProgress?(n: number, buffers: Uint8Array[]): void;
}

/** A request's reply: its result and the comm buffers that came with it. */
export interface IRawReply {
  result: any;
  buffers: Uint8Array[];
}

interface IConnection {
  session: Session.ISessionConnection;
  kernel: Kernel.IKernelConnection;
  comm: Kernel.IComm;
}

const STOPPED: ReadonlySet<string> = new Set([
  'dead',
  'restarting',
  'autorestarting',
  'terminating'
]);

/**
 * Requests to the helper code in a dedicated Python kernel, over one comm.
 * Starts its session on first use, reuses it, and starts afresh on the next
 * call after the kernel stopped.
 */
export class HelperRpc implements IDisposableLike {
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

  /** Run `op` in the helper kernel; its result. */
  protected async call<T>(op: string, args: JSONObject): Promise<T> {
    return (await this.request(op, args)).result as T;
  }

  /**
   * Run `op` in the helper kernel, starting it first if need be: its result
   * and buffers. `signal` cancels it there too; `onProgress` hears the
   * progress messages of the ops that send them, with their buffers.
   */
  protected async request(
    op: string,
    args: JSONObject,
    options: {
      onProgress?(n: number, buffers: Uint8Array[]): void;
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
      const ready = this._startOrRetry(op);
      this._ready = ready;
      ready.catch(() => {
        if (this._ready === ready) {
          this._ready = null;
        }
      });
    }
    return this._ready;
  }

  /**
   * Start, and once more if the kernel stopped meanwhile. The server hands
   * a new page the session at the helper's path while an earlier page's
   * `pagehide` is still deleting it, and that kernel never answers; a
   * kernel killed during the start is brought back by the server's
   * restarter. The second start waits to see which.
   */
  private async _startOrRetry(op: string): Promise<IConnection> {
    try {
      return await this._start(op);
    } catch (err) {
      const session = this._session;
      if (
        this._disposed ||
        !(err instanceof HelperKernelError) ||
        err.type !== 'KernelStopped' ||
        !session
      ) {
        throw err;
      }
      // Forgotten meanwhile: the server dropping it is expected now.
      this._session = null;
      if (await this._restarted(session)) {
        this._session = session;
      } else {
        session.dispose();
      }
      return this._start(op);
    }
  }

  /**
   * Waits, a bounded time, until the server has dropped `session` (false)
   * or lists its kernel as running again (true). Never deletes it: the
   * kernel being deleted is gone from the list before its session is.
   */
  private async _restarted(session: Session.ISessionConnection) {
    const sessions = this._services.sessions;
    const until = Date.now() + LET_GO_MS;
    while (Date.now() < until) {
      try {
        await sessions.refreshRunning();
        const model = Array.from(sessions.running()).find(
          m => m.id === session.id
        );
        if (!model) {
          return false;
        }
        const kernels = await KernelAPI.listRunning(session.serverSettings);
        if (kernels.some(k => k.id === model.kernel?.id)) {
          return true;
        }
      } catch {
        // jupyter_server 1.23 answers 500 while a kernel starts: ask again.
      }
      await new Promise(resolve => setTimeout(resolve, WATCHDOG_MS / 10));
    }
    return false;
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
    const gone = this._untilGone(kernel, op);
    try {
      const loading = this._load(conn, op);
      loading.catch(() => undefined);
      await Promise.race([loading, gone.promise]);
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
    } finally {
      gone.dispose();
    }
    if (generation !== this._generation || conn.comm.isDisposed) {
      this._unwatch(conn);
      throw stopped(op);
    }
    this._conn = conn;
    return conn;
  }

  /** Run the helper's code in the kernel and open its comm. */
  private async _load(conn: IConnection, op: string): Promise<void> {
    const { kernel } = conn;
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
  }

  /**
   * Rejects once `kernel` is dead or the server no longer lists it, asked
   * every few seconds: a kernel being shut down elsewhere never answers the
   * start, and jupyter_server tells its socket nothing.
   */
  private _untilGone(
    kernel: Kernel.IKernelConnection,
    op: string
  ): { promise: Promise<never>; dispose(): void } {
    let fail: (err: Error) => void = () => undefined;
    const promise = new Promise<never>((_, reject) => (fail = reject));
    promise.catch(() => undefined);
    const onStatus = (_: unknown, status: KernelMessage.Status) => {
      if (status === 'dead') {
        fail(stopped(op));
      }
    };
    const timer = setInterval(() => {
      KernelAPI.listRunning(kernel.serverSettings).then(
        models => models.some(m => m.id === kernel.id) || fail(stopped(op)),
        // Asked again on the next tick (a 500 while a kernel starts).
        () => undefined
      );
    }, WATCHDOG_MS);
    (timer as { unref?(): void }).unref?.();
    kernel.statusChanged.connect(onStatus);
    return {
      promise,
      dispose: () => {
        clearInterval(timer);
        kernel.statusChanged.disconnect(onStatus);
      }
    };
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
              `The helper kernel was shut down during the ${operationName(p.op)}.`,
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
      pending.onProgress?.(data.progress, toBytes(msg.buffers));
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
        ? `The helper kernel stopped during the ${operationName(pending.op)} (interrupted).`
        : (data.error?.message ??
          `The helper failed during the ${operationName(pending.op)}.`);
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
    `The helper kernel stopped during the ${operationName(op)}.`,
    'KernelStopped',
    op
  );
}

function cancelled(op: string): HelperKernelError {
  return new HelperKernelError(
    `The ${operationName(op)} was cancelled.`,
    'Cancelled',
    op
  );
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
