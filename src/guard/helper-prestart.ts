import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import type { IDisposable } from '@lumino/disposable';

export interface IPrestartOptions {
  tracker: INotebookTracker;
  /** Read when the moment comes: the setting may change meanwhile. */
  enabled(): boolean;
  /** Start the helper kernel and its code (resolves when it answers). */
  start(): Promise<unknown>;
  /** Longest wait for an idle moment before starting anyway. */
  idleTimeoutMs?: number;
  /** Waits for an idle moment; the page's `requestIdleCallback` by default. */
  idle?: (timeoutMs: number) => Promise<void>;
}

/**
 * Starts the helper kernel quietly once the first notebook's own kernel
 * has answered and the page is idle, so the first Submit does not wait for
 * a kernel start. Waiting for the notebook's kernel first keeps the two
 * Python start-ups from competing for the same cores.
 */
export function prestartHelper(options: IPrestartOptions): IDisposable {
  const { tracker } = options;
  let disposed = false;
  const begin = (panel: NotebookPanel) => {
    tracker.widgetAdded.disconnect(onAdded);
    void whenKernelAnswers(panel)
      .then(() => (options.idle ?? idle)(options.idleTimeoutMs ?? 2000))
      .then(() => (!disposed && options.enabled() ? options.start() : null))
      // Quiet: a failed start is retried by the first check that needs it.
      .catch(() => undefined);
  };
  const onAdded = (_: INotebookTracker, panel: NotebookPanel) => begin(panel);
  if (tracker.currentWidget) {
    begin(tracker.currentWidget);
  } else {
    tracker.widgetAdded.connect(onAdded);
  }
  return {
    get isDisposed() {
      return disposed;
    },
    dispose() {
      disposed = true;
      tracker.widgetAdded.disconnect(onAdded);
    }
  };
}

/** Resolves once the notebook's kernel replied to kernel_info (or it has none). */
async function whenKernelAnswers(panel: NotebookPanel): Promise<void> {
  const context = panel.sessionContext;
  await context.ready;
  await context.session?.kernel?.info;
}

/**
 * Resolves once the notebook's kernel has answered, after `timeoutMs` at
 * the latest (a kernel that never answers holds nothing up for good), or
 * when `signal` aborts. For work that would start the helper kernel.
 */
export function afterKernelStart(
  panel: NotebookPanel,
  timeoutMs: number,
  signal?: AbortSignal
): Promise<void> {
  return new Promise(resolve => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    signal?.addEventListener('abort', done, { once: true });
    whenKernelAnswers(panel).then(done, done);
  });
}

function idle(timeoutMs: number): Promise<void> {
  return new Promise(resolve => {
    if (typeof requestIdleCallback === 'function') {
      requestIdleCallback(() => resolve(), { timeout: timeoutMs });
    } else {
      setTimeout(resolve, 0);
    }
  });
}
