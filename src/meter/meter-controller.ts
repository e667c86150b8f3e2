import { PathExt } from '@jupyterlab/coreutils';
import type { DocumentRegistry } from '@jupyterlab/docregistry';
import type { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import {
  NotebookActions,
  type INotebookTracker,
  type NotebookPanel
} from '@jupyterlab/notebook';
import type { Contents } from '@jupyterlab/services';
import type { IDisposable } from '@lumino/disposable';
import { Signal, type ISignal } from '@lumino/signaling';
import { afterKernelStart } from '../guard/helper-prestart.js';
import type { ISnapshotGuard } from '../tokens.js';
import type { StatusMeter } from '../ui/status-meter.js';
import { CheckScheduler } from './scheduler.js';
import { errorMessage } from '../snapshot/errors.js';

export interface IMeterControllerOptions {
  guard: ISnapshotGuard;
  tracker: INotebookTracker;
  contents: Contents.IManager;
  browser: IDefaultFileBrowser | null;
  widget: StatusMeter;
  /** Open the report for a notebook; resolves when its flow has ended. */
  openReport(path: string): Promise<unknown>;
}

/** Quiet time after a change before checking (a run of cells, a save). */
const DEBOUNCE_MS = 500;
/** Largest share of the time the meter may spend checking. */
const MAX_SHARE = 0.02;
/** Longest wait for the notebook's own kernel before a check. */
const KERNEL_WAIT_MS = 20_000;
/** The back-off never waits longer than this. */
const MAX_INTERVAL_MS = 5 * 60_000;

/**
 * Keeps the status-bar meter on the current notebook's folder: checks it
 * when the notebook changes, after a save, after a cell ran and when the
 * folder's files change; never while the page is hidden or the meter is off.
 */
export class MeterController implements IDisposable {
  constructor(private readonly options: IMeterControllerOptions) {
    this._scheduler = new CheckScheduler({
      run: signal => this._check(signal),
      clock: {
        now: () => performance.now(),
        setTimeout: (fn, ms) => window.setTimeout(fn, ms),
        clearTimeout: handle => window.clearTimeout(handle as number)
      },
      debounceMs: DEBOUNCE_MS,
      minIntervalMs: this._minIntervalMs,
      maxShare: MAX_SHARE,
      maxIntervalMs: MAX_INTERVAL_MS,
      onStateChanged: () => {
        const { paused, pending, armed } = this._scheduler;
        this.options.widget.schedule = { paused, pending, armed };
      }
    });
    const { tracker, contents, browser } = options;
    tracker.currentChanged.connect(this._onCurrentChanged, this);
    NotebookActions.executed.connect(this._onExecuted, this);
    contents.fileChanged.connect(this._onFileChanged, this);
    browser?.model.refreshed.connect(this._onBrowserRefreshed, this);
    document.addEventListener('visibilitychange', this._onVisibility);
    this._onCurrentChanged();
  }

  /** True when the meter has a notebook to show and is switched on. */
  get active(): boolean {
    return this._enabled && this._panel !== null;
  }

  /** Emitted when `active` may have changed. */
  get activeChanged(): ISignal<this, void> {
    return this._activeChanged;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** Apply the settings: on or off, least seconds between checks. */
  configure(enabled: boolean, minIntervalMs: number): void {
    this._minIntervalMs = minIntervalMs;
    this._scheduler.configure({ minIntervalMs });
    if (enabled !== this._enabled) {
      this._enabled = enabled;
      this._activeChanged.emit();
      if (enabled) {
        this._scheduler.request();
      }
    }
    this._updatePause();
  }

  /** Open the report for the current notebook, then measure again. */
  async open(): Promise<void> {
    const panel = this._panel;
    if (panel) {
      await this.options.openReport(panel.context.path);
      this._scheduler.request();
    }
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._scheduler.dispose();
    this._watchPanel(null);
    const { tracker, contents, browser } = this.options;
    tracker.currentChanged.disconnect(this._onCurrentChanged, this);
    NotebookActions.executed.disconnect(this._onExecuted, this);
    contents.fileChanged.disconnect(this._onFileChanged, this);
    browser?.model.refreshed.disconnect(this._onBrowserRefreshed, this);
    document.removeEventListener('visibilitychange', this._onVisibility);
    Signal.clearData(this);
  }

  private get _folder(): string | null {
    return this._panel ? PathExt.dirname(this._panel.context.path) : null;
  }

  /** Measure the folder; resolves to the cost to count, when known. */
  private async _check(signal: AbortSignal): Promise<number | void> {
    const folder = this._folder;
    const { widget, guard } = this.options;
    if (folder === null || this._panel === null) {
      return;
    }
    // A check may start the helper kernel: the notebook's own kernel
    // starts first, so that the two do not compete for the cores.
    await afterKernelStart(this._panel, KERNEL_WAIT_MS, signal);
    if (signal.aborted || folder !== this._folder) {
      return;
    }
    widget.state = { ...widget.state, checking: true };
    try {
      const measure = await guard.measure(folder, { signal });
      if (!signal.aborted && folder === this._folder) {
        widget.state = {
          measure,
          checkedAt: new Date(),
          checking: false,
          error: null
        };
      }
      return measure.costMs;
    } catch (err) {
      if (!signal.aborted && folder === this._folder) {
        widget.state = {
          ...widget.state,
          checking: false,
          error: errorMessage(err)
        };
      }
    } finally {
      if (widget.state.checking && folder === this._folder) {
        widget.state = { ...widget.state, checking: false };
      }
    }
  }

  private _onCurrentChanged(): void {
    const before = this._folder;
    this._watchPanel(this.options.tracker.currentWidget);
    const folder = this._folder;
    if (folder !== before) {
      this._browserSignature = null;
      this.options.widget.state = {
        measure: null,
        checkedAt: null,
        checking: false,
        error: null
      };
      if (folder !== null) {
        this._scheduler.restart();
      }
    }
    this._activeChanged.emit();
    this._updatePause();
  }

  private _watchPanel(panel: NotebookPanel | null): void {
    if (this._panel === panel) {
      return;
    }
    this._panel?.context.saveState.disconnect(this._onSaveState, this);
    this._panel?.disposed.disconnect(this._onCurrentChanged, this);
    this._panel = panel;
    panel?.context.saveState.connect(this._onSaveState, this);
    panel?.disposed.connect(this._onCurrentChanged, this);
  }

  private _onSaveState(
    _: DocumentRegistry.IContext<DocumentRegistry.IModel>,
    state: DocumentRegistry.SaveState
  ): void {
    if (state === 'completed') {
      this._scheduler.request();
    }
  }

  private _onExecuted(): void {
    // Any notebook's cell may write into this folder: its kernel's working
    // folder is not necessarily its own.
    this._scheduler.request();
  }

  private _onFileChanged(_: unknown, change: Contents.IChangedArgs): void {
    const paths = [change.oldValue?.path, change.newValue?.path];
    if (paths.some(p => typeof p === 'string' && this._isInside(p))) {
      this._scheduler.request();
    }
  }

  /**
   * The file browser polls its folder; a changed listing inside ours means
   * files came or went by some other way (a terminal, another client).
   */
  private _onBrowserRefreshed(): void {
    const model = this.options.browser?.model;
    if (!model || !this._isInside(model.path)) {
      return;
    }
    const signature = [...model.items()]
      .map(i => `${i.name}\t${i.size ?? ''}\t${i.last_modified}`)
      .join('\n');
    const key = `${model.path}\n${signature}`;
    if (this._browserSignature !== null && key !== this._browserSignature) {
      this._scheduler.request();
    }
    this._browserSignature = key;
  }

  private _isInside(path: string): boolean {
    const folder = this._folder;
    return (
      folder !== null &&
      (folder === '' || path === folder || path.startsWith(`${folder}/`))
    );
  }

  private _onVisibility = (): void => this._updatePause();

  private _updatePause(): void {
    this._scheduler.setPaused(
      !this.active || document.visibilityState === 'hidden'
    );
  }

  private _scheduler: CheckScheduler;
  private _panel: NotebookPanel | null = null;
  private _enabled = true;
  private _minIntervalMs = 5000;
  private _browserSignature: string | null = null;
  private _activeChanged = new Signal<this, void>(this);
  private _disposed = false;
}
