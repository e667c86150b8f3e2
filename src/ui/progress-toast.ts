/**
 * A progress notification with Cancel, shared by the long operations (the
 * check, packing a zip). It updates at most every half second, and waits
 * for its last update to settle before it is dismissed or replaced: a
 * JupyterLab toast dismissed less than ~300 ms after an update stays on
 * screen for good (the update re-renders it after the dismissal).
 */
import { Notification } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';

/** Least time between two updates, and before the first one. */
export const PROGRESS_INTERVAL = 500;

export class ProgressToast {
  /** Aborted when the user presses Cancel. */
  readonly signal: AbortSignal;

  constructor(
    trans: TranslationBundle,
    message: string,
    options: { progress?: number } = {}
  ) {
    const abort = new AbortController();
    this.signal = abort.signal;
    this._actions = [
      {
        label: trans.__('Cancel'),
        callback: (event: MouseEvent) => {
          // Keep the toast until the operation settles (by default a
          // toast's button closes it at once).
          event.preventDefault();
          abort.abort();
        }
      }
    ];
    this._id = Notification.emit(message, 'in-progress', {
      autoClose: false,
      actions: this._actions,
      progress: options.progress
    });
  }

  /**
   * Show progress; when the last update is too recent, shown once the
   * interval has passed (the latest one only): a step that then waits,
   * like a walk at a verdict, still shows where it got to.
   */
  update(message: string, progress?: number): void {
    this._next = { message, progress };
    if (this._timer !== null) {
      return;
    }
    const wait = this._last + PROGRESS_INTERVAL - Date.now();
    if (wait > 0) {
      this._timer = setTimeout(() => {
        this._timer = null;
        this._show();
      }, wait);
      return;
    }
    this._show();
  }

  /** Remove the notification (once the last update has settled). */
  async dismiss(): Promise<void> {
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
      this._next = null;
    }
    await this._settle();
    Notification.dismiss(this._id);
  }

  /**
   * Replace it with a final message. A new notification, not an update:
   * JupyterLab styles a toast by the type it was created with, so an
   * updated one would keep the look of "in progress".
   */
  async finish(
    type: 'success' | 'info' | 'error',
    message: string,
    options: { autoClose: number | false }
  ): Promise<void> {
    await this.dismiss();
    Notification.emit(message, type, { autoClose: options.autoClose });
  }

  private _show(): void {
    const next = this._next;
    if (next === null) {
      return;
    }
    this._next = null;
    this._last = Date.now();
    this._updated = true;
    Notification.update({
      id: this._id,
      type: 'in-progress',
      message: next.message,
      autoClose: false,
      actions: this._actions,
      progress: next.progress
    });
  }

  private async _settle(): Promise<void> {
    const wait = this._updated
      ? this._last + PROGRESS_INTERVAL - Date.now()
      : 0;
    if (wait > 0) {
      await new Promise(resolve => setTimeout(resolve, wait));
    }
  }

  private readonly _id: string;
  private readonly _actions: Notification.IAction[];
  private _last = Date.now();
  private _updated = false;
  /** The update waiting for the interval, and its timer. */
  private _next: { message: string; progress?: number } | null = null;
  private _timer: ReturnType<typeof setTimeout> | null = null;
}
