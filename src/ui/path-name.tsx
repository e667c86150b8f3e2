import * as React from 'react';
import { visibleNameParts } from '../snapshot/format.js';

export interface IPathNameProps {
  /** The exact path or name. */
  path: string;
  /** Element to render; `code` by default. */
  tag?: 'code' | 'span';
  className?: string;
}

/**
 * A path as listed in the dialogs: invisible characters shown as marks
 * (see `visibleNameParts`), the exact name in the tooltip.
 */
export function PathName(props: IPathNameProps): JSX.Element {
  const Tag = props.tag ?? 'code';
  const parts = visibleNameParts(props.path);
  const className = ['jp-SnapshotGuard-path', props.className]
    .filter(Boolean)
    .join(' ');
  return (
    <Tag className={className} title={props.path}>
      {parts.map((p, i) =>
        p.mark ? (
          <span key={i} className="jp-SnapshotGuard-mark">
            {p.text}
          </span>
        ) : (
          p.text
        )
      )}
    </Tag>
  );
}
