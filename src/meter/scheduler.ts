/**
 * When the status-bar meter checks its folder: debounced, one check at a
 * time, paused on demand, and spaced out after slow checks so that checking
 * never takes more than a small share of the time. No DOM: the clock is
 * passed in, so tests drive it by hand.
 */

export interface IClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface ISchedulerOptions {
  /**
   * One check; it should stop soon after `signal` aborts. It may resolve
   * to the milliseconds of work to count against the share (without, say,
   * starting a kernel); else its duration counts.
   */
  run(signal: AbortSignal): Promise<number | void>;
  clock: IClock;
  /** Quiet time after the last request before a check starts. */
  debounceMs: number;
  /** Least time from the end of one check to the start of the next. */
  minIntervalMs: number;
  /**
   * Largest share of wall time spent checking (0.02 = 2 %): after a check
   * of d ms the next starts no sooner than d × (1 / share − 1) ms later.
   */
  maxShare: number;
  /** The spacing never grows beyond this. */
  maxIntervalMs: number;
  /** Called after `paused`, `pending` or `armed` may have changed. */
  onStateChanged?(): void;
}

export class CheckScheduler {
  constructor(private readonly options: ISchedulerOptions) {}

  /** True while a check runs. */
  get running(): boolean {
    return this._abort !== null;
  }

  /** True while paused: no check starts. */
  get paused(): boolean {
    return this._paused;
  }

  /** True while a check is timed to start or running. */
  get armed(): boolean {
    return this._timer !== null || this.running;
  }

  /** True when something changed since the last check began. */
  get pending(): boolean {
    return this._dirty;
  }

  /** Least time between the end of the last check and the next start. */
  get spacingMs(): number {
    const { minIntervalMs, maxShare, maxIntervalMs } = this.options;
    const share = Math.min(1, Math.max(maxShare, 1e-6));
    const backoff = this._lastDuration * (1 / share - 1);
    return Math.min(maxIntervalMs, Math.max(minIntervalMs, backoff));
  }

  /** Change the least time between checks. */
  configure(options: { minIntervalMs: number }): void {
    this.options.minIntervalMs = options.minIntervalMs;
    this._schedule();
  }

  /** Something changed: check again once things settle. */
  request(): void {
    if (this._disposed) {
      return;
    }
    this._dirty = true;
    this._lastRequest = this.options.clock.now();
    this._schedule();
    this.options.onStateChanged?.();
  }

  /**
   * What is being checked changed: stop a running check (its result is
   * stale) and start afresh. The spacing still applies.
   */
  restart(): void {
    this._abort?.abort();
    this.request();
  }

  /** Paused: no check starts; a request made meanwhile runs on resume. */
  setPaused(paused: boolean): void {
    this._paused = paused;
    if (paused) {
      this._clearTimer();
    } else {
      this._schedule();
    }
    this.options.onStateChanged?.();
  }

  dispose(): void {
    this._disposed = true;
    this._clearTimer();
    this._abort?.abort();
  }

  private _schedule(): void {
    this._clearTimer();
    if (this._disposed || this._paused || !this._dirty || this.running) {
      return;
    }
    const { clock, debounceMs } = this.options;
    const start = Math.max(
      this._lastRequest + debounceMs,
      this._lastEnd === null ? 0 : this._lastEnd + this.spacingMs
    );
    this._timer = clock.setTimeout(
      () => {
        this._timer = null;
        void this._run();
        this.options.onStateChanged?.();
      },
      Math.max(0, start - clock.now())
    );
  }

  private async _run(): Promise<void> {
    if (this._disposed || this._paused || this.running || !this._dirty) {
      return;
    }
    const { clock } = this.options;
    this._dirty = false;
    const abort = new AbortController();
    this._abort = abort;
    const started = clock.now();
    this.options.onStateChanged?.();
    let cost: number | void = undefined;
    try {
      cost = await this.options.run(abort.signal);
    } catch {
      // The caller shows its own errors; the schedule goes on.
    } finally {
      const ended = clock.now();
      this._abort = null;
      // A cancelled check says nothing about the folder's cost.
      if (!abort.signal.aborted) {
        this._lastDuration = typeof cost === 'number' ? cost : ended - started;
      }
      this._lastEnd = ended;
      this._schedule();
      this.options.onStateChanged?.();
    }
  }

  private _clearTimer(): void {
    if (this._timer !== null) {
      this.options.clock.clearTimeout(this._timer);
      this._timer = null;
    }
  }

  private _dirty = false;
  private _paused = false;
  private _disposed = false;
  private _abort: AbortController | null = null;
  private _timer: unknown = null;
  private _lastRequest = 0;
  private _lastEnd: number | null = null;
  private _lastDuration = 0;
}
