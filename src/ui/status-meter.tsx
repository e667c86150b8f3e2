import type { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';
import { formatBytes, formatCount } from '../snapshot/format.js';
import type { ISnapshotMeasure } from '../tokens.js';
import { headlineText, ruleSourceText } from './words.js';

/** What the status-bar meter shows. */
export interface IStatusMeterState {
  /** The last measure of the current folder, or null before the first. */
  measure: ISnapshotMeasure | null;
  /** When `measure` was taken. */
  checkedAt: Date | null;
  /** A check is running. */
  checking: boolean;
  /** Why the last check failed, or null. */
  error: string | null;
}

/** Where the meter's schedule stands (for scripts and tests). */
export interface IMeterSchedule {
  /** No check starts (page hidden, meter off, no notebook). */
  paused: boolean;
  /** Something changed since the last check began. */
  pending: boolean;
  /** A check is timed to start, or running. */
  armed: boolean;
}

/**
 * The status-bar item: "Snapshot 448 MB · 2,436 files", coloured by the
 * verdict; a click, Enter or Space opens the report.
 */
export class StatusMeter extends ReactWidget {
  constructor(
    private readonly trans: TranslationBundle,
    private readonly onOpen: () => void
  ) {
    super();
    this.addClass('jp-SnapshotGuard-statusMeter');
  }

  get state(): IStatusMeterState {
    return this._state;
  }

  set state(state: IStatusMeterState) {
    this._state = state;
    this.update();
  }

  get schedule(): IMeterSchedule {
    return this._schedule;
  }

  set schedule(schedule: IMeterSchedule) {
    const { paused, pending, armed } = this._schedule;
    if (
      schedule.paused !== paused ||
      schedule.pending !== pending ||
      schedule.armed !== armed
    ) {
      this._schedule = schedule;
      this.update();
    }
  }

  protected render(): JSX.Element {
    const { trans } = this;
    const { measure, checking, error } = this._state;
    const level = error !== null ? 'error' : (measure?.verdict ?? 'unknown');
    const text =
      measure === null
        ? trans.__('Snapshot …')
        : // `_n` passes the count itself as %1, so the words start at %2.
          trans._n(
            'Snapshot %2 · %3 file',
            'Snapshot %2 · %3 files',
            measure.files,
            formatBytes(measure.bytes),
            formatCount(measure.files)
          );
    return (
      <div
        className={`jp-SnapshotGuard-statusMeterBody jp-mod-${level}${
          checking ? ' jp-mod-checking' : ''
        }${measure?.caveat ? ' jp-mod-caveat' : ''}`}
        role="button"
        tabIndex={0}
        title={this.tooltip()}
        aria-busy={checking}
        // The exact numbers, for scripts and tests (the text rounds bytes).
        data-verdict={measure?.verdict ?? ''}
        data-files={measure?.files}
        data-bytes={measure?.bytes}
        data-paused={this._schedule.paused}
        data-pending={this._schedule.pending}
        data-armed={this._schedule.armed}
        onClick={() => this.onOpen()}
        onKeyDown={event => {
          if (event.key === 'Enter' || event.key === ' ') {
            event.preventDefault();
            this.onOpen();
          }
        }}
      >
        {text}
      </div>
    );
  }

  /** SDK, rules, numbers against the limits, time of the check, caveat. */
  private tooltip(): string {
    const { trans } = this;
    const { measure, checkedAt, checking, error } = this._state;
    const lines: string[] = [];
    if (measure) {
      lines.push(
        headlineText(trans, measure, measure.limits, measure.reasons),
        trans.__('For %1', sdkText(trans, measure)),
        ruleSourceText(trans, measure.ignoreFile)
      );
      if (checkedAt) {
        lines.push(
          trans.__('Last checked at %1', checkedAt.toLocaleTimeString())
        );
      }
      if (measure.caveat) {
        lines.push(measure.caveat);
      }
    }
    if (error !== null) {
      lines.push(trans.__('The last check failed: %1', error));
    }
    if (checking) {
      lines.push(trans.__('Checking…'));
    }
    lines.push(trans.__('Click for the report and its fixes.'));
    return lines.join('\n');
  }

  private _schedule: IMeterSchedule = {
    paused: false,
    pending: false,
    armed: false
  };
  private _state: IStatusMeterState = {
    measure: null,
    checkedAt: null,
    checking: false,
    error: null
  };
}

/** The SDK whose rules and limits the numbers follow. */
export function sdkText(
  trans: TranslationBundle,
  measure: Pick<ISnapshotMeasure, 'sdk' | 'limits'>
): string {
  const sdk = measure.sdk ?? measure.limits.profile;
  if (/(^|-)v1$|azureml-core/.test(sdk)) {
    return trans.__('Azure ML SDK v1 (azureml-core)');
  }
  if (/(^|-)v2$|azure-ai-ml/.test(sdk)) {
    return trans.__('Azure ML SDK v2 (azure-ai-ml)');
  }
  return sdk;
}
