import * as React from 'react';
import type { Verdict } from '../snapshot/types.js';

export interface IMeterProps {
  /** Visible label and accessible name, such as "Size". */
  label: string;
  value: number;
  /** The limit: the full length of the meter. */
  max: number;
  /** The reading in words, such as "511 MB of 300 MB". */
  valueText: string;
  /** As the engine judged this limit. */
  level: Verdict;
}

/**
 * One total against one limit. The fill stops at the limit; a total above
 * it fills the meter in the error colour.
 */
export function Meter(props: IMeterProps): JSX.Element {
  const { label, value, max, valueText, level } = props;
  const share = max > 0 ? Math.min(1, value / max) : value > 0 ? 1 : 0;
  return (
    <div
      className={`jp-SnapshotGuard-meter jp-mod-${level}`}
      role="meter"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={max}
      aria-valuenow={value}
      aria-valuetext={valueText}
    >
      <div className="jp-SnapshotGuard-meterLabel">
        <span className="jp-SnapshotGuard-meterName">{label}</span>
        <span className="jp-SnapshotGuard-meterValue">{valueText}</span>
      </div>
      <div className="jp-SnapshotGuard-meterTrack">
        <div
          className="jp-SnapshotGuard-meterFill"
          style={{ width: `${(share * 100).toFixed(1)}%` }}
        />
      </div>
    </div>
  );
}
