import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import {
  childrenOf,
  type IContributor,
  type ITally
} from '../snapshot/accounting.js';
import { formatBytes, formatCount, visibleName } from '../snapshot/format.js';
import type { IFileRecord } from '../snapshot/types.js';
import { PathName } from './path-name.js';
import { filesText } from './words.js';

export interface IContributorBarsProps {
  /** The files the snapshot uploads (`report.included`). */
  files: readonly IFileRecord[];
  /** The root's children, biggest first (`report.top`). */
  top: readonly IContributor[];
  /** The snapshot's totals (the report). */
  total: ITally;
  /** How to name the snapshot folder in the breadcrumb. */
  rootLabel: string;
  trans: TranslationBundle;
  /** Rows shown per folder; the rest are counted. */
  maxRows?: number;
}

/**
 * "Where the bulk is": a bar per child of a folder, biggest first. A folder's
 * bar is a button that opens it; the breadcrumb leads back.
 */
export function ContributorBars(props: IContributorBarsProps): JSX.Element {
  const { files, top, total, rootLabel, trans } = props;
  const maxRows = props.maxRows ?? 12;
  const headingId = React.useId();
  /** The folders opened, outermost first. */
  const [trail, setTrail] = React.useState<IContributor[]>([]);
  const here = trail.length > 0 ? trail[trail.length - 1] : null;
  const rows = React.useMemo(
    () => (here === null ? top : childrenOf(files, here.path)),
    [files, top, here]
  );
  const levelTotal: ITally = here ?? total;
  const shown = rows.slice(0, maxRows);
  const hidden = rows.length - shown.length;

  // Keep the focus in the list when its rows are replaced.
  const listRef = React.useRef<HTMLUListElement>(null);
  const navRef = React.useRef<HTMLElement>(null);
  const barRefs = React.useRef(new Map<string, HTMLButtonElement>());
  const focusNext = React.useRef<string | null>(null);
  React.useEffect(() => {
    const target = focusNext.current;
    if (target === null) {
      return;
    }
    focusNext.current = null;
    const crumbs = navRef.current?.querySelectorAll('button');
    const el =
      barRefs.current.get(target) ??
      listRef.current?.querySelector('button') ??
      (crumbs && crumbs.length > 0 ? crumbs[crumbs.length - 1] : null);
    el?.focus();
  }, [trail]);

  const open = (c: IContributor) => {
    focusNext.current = '';
    setTrail([...trail, c]);
  };
  const goTo = (depth: number) => {
    // Focus the bar of the folder just left, now a row again.
    focusNext.current = trail[depth]?.path ?? '';
    setTrail(trail.slice(0, depth));
  };

  const nameOf = (c: IContributor) => {
    const base = here === null ? c.path : c.path.slice(here.path.length + 1);
    return c.kind === 'dir' ? `${base}/` : base;
  };
  const share = (c: IContributor) => {
    const s =
      levelTotal.bytes > 0
        ? c.bytes / levelTotal.bytes
        : levelTotal.files > 0
          ? c.files / levelTotal.files
          : 0;
    return `${(Math.min(1, s) * 100).toFixed(1)}%`;
  };
  const content = (c: IContributor) => (
    <>
      <PathName
        tag="span"
        className="jp-SnapshotGuard-barName"
        path={nameOf(c)}
      />
      <span className="jp-SnapshotGuard-barTrack" aria-hidden="true">
        <span
          className="jp-SnapshotGuard-barFill"
          style={{ width: share(c) }}
        />
      </span>
      <span className="jp-SnapshotGuard-barSize">{formatBytes(c.bytes)}</span>
      <span className="jp-SnapshotGuard-barFiles">
        {c.kind === 'dir' ? filesText(trans, c.files) : ''}
      </span>
    </>
  );

  return (
    <section
      className="jp-SnapshotGuard-contributors"
      aria-labelledby={headingId}
    >
      <h3 id={headingId} className="jp-SnapshotGuard-heading">
        {trans.__('Largest items')}
      </h3>
      <nav
        ref={navRef}
        className="jp-SnapshotGuard-breadcrumbs"
        aria-label={trans.__('Folder shown')}
      >
        <ol>
          <li>
            {trail.length === 0 ? (
              <span aria-current="location">
                <PathName tag="span" path={rootLabel} />
              </span>
            ) : (
              <button
                type="button"
                className="jp-SnapshotGuard-crumb"
                title={trans.__('Back to %1', visibleName(rootLabel))}
                onClick={() => goTo(0)}
              >
                <PathName tag="span" path={rootLabel} />
              </button>
            )}
          </li>
          {trail.map((c, i) => {
            const base =
              i === 0 ? c.path : c.path.slice(trail[i - 1].path.length + 1);
            return (
              <li key={c.path}>
                {i === trail.length - 1 ? (
                  <span aria-current="location">
                    <PathName tag="span" path={base} />
                  </span>
                ) : (
                  <button
                    type="button"
                    className="jp-SnapshotGuard-crumb"
                    title={trans.__('Back to %1', visibleName(base))}
                    onClick={() => goTo(i + 1)}
                  >
                    <PathName tag="span" path={base} />
                  </button>
                )}
              </li>
            );
          })}
        </ol>
      </nav>
      {shown.length === 0 ? (
        <p className="jp-SnapshotGuard-empty">
          {trans.__('Nothing here is uploaded.')}
        </p>
      ) : (
        <ul className="jp-SnapshotGuard-bars" ref={listRef}>
          {shown.map(c => (
            <li key={c.path}>
              {c.kind === 'dir' ? (
                <button
                  type="button"
                  className="jp-SnapshotGuard-bar jp-mod-dir"
                  title={trans.__(
                    'Show what is inside %1',
                    visibleName(nameOf(c))
                  )}
                  ref={el => {
                    if (el) {
                      barRefs.current.set(c.path, el);
                    } else {
                      barRefs.current.delete(c.path);
                    }
                  }}
                  onClick={() => open(c)}
                >
                  {content(c)}
                </button>
              ) : (
                <div className="jp-SnapshotGuard-bar jp-mod-file">
                  {content(c)}
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      {hidden > 0 && (
        <p className="jp-SnapshotGuard-more">
          {trans._n(
            'and %2 smaller item',
            'and %2 smaller items',
            hidden,
            formatCount(hidden)
          )}
        </p>
      )}
    </section>
  );
}
