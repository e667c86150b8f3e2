import { Dialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { closeIcon } from '@jupyterlab/ui-components';
import * as React from 'react';
import {
  type IProposal,
  type ITotals,
  type JunkReason,
  type LineKind
} from '../snapshot/advisor.js';
import { composeAmlignore } from '../snapshot/amlignore.js';
import { formatBytes } from '../snapshot/format.js';
import type { IScan } from '../snapshot/scan.js';
import {
  GuardBody,
  GuardDialog,
  acceptedValue,
  type BodyReporter
} from './dialog.js';
import {
  filesAndBytes,
  filesText,
  junkReasonText,
  lineKindText,
  optionalLineText,
  verdictText
} from './words.js';
import { PathName } from './path-name.js';

/** Where the lines go. */
export type AmlignoreTarget = 'create' | 'append' | 'replace-gitignore';

export interface IAmlignoreDialogOptions {
  /** The scan's ignore file, for the preview of the text written. */
  scan: Pick<IScan, 'ignoreFile' | 'ignoreText'>;
  /**
   * The totals with these extra lines (`previewTotals`), made where the
   * scan is kept: a big folder's live totals never block the page.
   */
  totals(patterns: string[]): Promise<ITotals>;
  proposal: IProposal;
  trans: TranslationBundle;
  target: AmlignoreTarget;
}

const ADD_PATTERN_CLASS = 'jp-SnapshotGuard-addPattern';

/**
 * Let the user pick and add `.amlignore` lines with live totals; resolve
 * with the checked patterns in order, or `null` when cancelled.
 */
export async function showAmlignoreDialog(
  options: IAmlignoreDialogOptions
): Promise<string[] | null> {
  const { trans } = options;
  const initial = options.proposal.lines
    .filter(l => l.checked)
    .map(l => l.pattern);
  const body = new GuardBody<string[]>(
    report => <AmlignoreBody {...options} onState={report} />,
    { value: initial, valid: initial.length > 0 }
  );
  const dialog = new GuardDialog<string[]>({
    title: trans.__('Write .amlignore'),
    body,
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.okButton({
        label: trans.__('Write'),
        caption: trans.__('Write the checked lines to .amlignore')
      })
    ],
    // Enter in the pattern field adds what was typed; when it is empty,
    // Enter writes, as in any JupyterLab dialog.
    ownsEnter: target =>
      target instanceof HTMLInputElement &&
      target.classList.contains(ADD_PATTERN_CLASS) &&
      target.value.trim() !== ''
  });
  dialog.addClass('jp-SnapshotGuard-amlignoreDialog');
  return acceptedValue(dialog);
}

interface IRow {
  pattern: string;
  kind: LineKind | 'user';
  label: string;
  /** What the line takes out on its own; `null` when not known. */
  files: number | null;
  bytes: number | null;
  checked: boolean;
  /** Offered but left unchecked: the limits are met without it. */
  optional: boolean;
  /** For known junk: why it is likely not needed. */
  reason?: JunkReason;
}

/** A typed pattern, cleaned up, or why it cannot be added. */
interface ITyped {
  pattern: string | null;
  problem: 'empty' | 'comment' | null;
}

function readPattern(text: string): ITyped {
  const pattern = text.trim();
  if (pattern === '') {
    return { pattern: null, problem: 'empty' };
  }
  if (pattern.startsWith('#')) {
    return { pattern: null, problem: 'comment' };
  }
  return { pattern, problem: null };
}

/** The patterns to write: checked rows in order, then a typed one. */
function chosenPatterns(rows: readonly IRow[], pending: string | null) {
  const out = rows
    .filter(r => r.checked || r.pattern === pending)
    .map(r => r.pattern);
  if (pending !== null && !rows.some(r => r.pattern === pending)) {
    out.push(pending);
  }
  return out;
}

export interface IAmlignoreBodyProps extends IAmlignoreDialogOptions {
  onState: BodyReporter<string[]>;
}

/** The body of the `.amlignore` dialog. */
export function AmlignoreBody(props: IAmlignoreBodyProps): JSX.Element {
  const { scan, totals, proposal, trans, target, onState } = props;
  const ids = React.useId();
  const [rows, setRows] = React.useState<IRow[]>(() =>
    proposal.lines.map(l => ({
      pattern: l.pattern,
      kind: l.kind,
      label: l.label,
      files: l.files,
      bytes: l.bytes,
      checked: l.checked,
      optional: l.kind === 'junk' && !l.checked && proposal.reachesTarget,
      reason: l.reason
    }))
  );
  const [text, setText] = React.useState('');
  const [status, setStatus] = React.useState('');
  const inputRef = React.useRef<HTMLInputElement>(null);

  const typed = readPattern(text);
  const patterns = chosenPatterns(rows, typed.pattern);
  const key = patterns.join('\n');
  React.useLayoutEffect(() => {
    onState({ value: patterns, valid: patterns.length > 0 });
    // `key` stands for `patterns`.
  }, [key, onState]);

  // The totals follow every toggle and keystroke, computed by the engine
  // from the files already scanned; they may lag behind a little.
  const deferredText = React.useDeferredValue(text);
  const deferredTyped = readPattern(deferredText);
  const totalsKey = chosenPatterns(rows, deferredTyped.pattern).join('\n');
  const afterNow = useLatest(
    totalsKey,
    key => totals(key === '' ? [] : key.split('\n')),
    { key: initialKey(proposal), value: proposal.after }
  );
  const after = afterNow!.value;
  const alone = useLatest(deferredTyped.pattern, pattern => totals([pattern]));
  const typedAlone =
    alone !== null && alone.key === deferredTyped.pattern
      ? removedBy(proposal.before, alone.value)
      : null;

  const toggle = (index: number) =>
    setRows(
      rows.map((r, i) => (i === index ? { ...r, checked: !r.checked } : r))
    );

  const add = () => {
    const pattern = typed.pattern;
    if (pattern === null) {
      return;
    }
    const existing = rows.findIndex(r => r.pattern === pattern);
    if (existing >= 0) {
      setRows(
        rows.map((r, i) => (i === existing ? { ...r, checked: true } : r))
      );
      setStatus(trans.__('%1 is already in the list; it is checked.', pattern));
    } else {
      // Its tally as typed, or once the totals come.
      const known =
        alone !== null && alone.key === pattern
          ? removedBy(proposal.before, alone.value)
          : null;
      setRows([
        ...rows,
        {
          pattern,
          kind: 'user',
          label: '',
          files: known?.files ?? null,
          bytes: known?.bytes ?? null,
          checked: true,
          optional: false
        }
      ]);
      if (known === null) {
        void totals([pattern]).then(
          t => {
            const tally = removedBy(proposal.before, t);
            setRows(now =>
              now.map(r =>
                r.pattern === pattern && r.kind === 'user' && r.files === null
                  ? { ...r, ...tally }
                  : r
              )
            );
          },
          // The row stays without its tally.
          () => undefined
        );
      }
      setStatus(trans.__('Added %1.', pattern));
    }
    setText('');
  };

  const remove = (index: number) => {
    const pattern = rows[index].pattern;
    setRows(rows.filter((_, i) => i !== index));
    setStatus(trans.__('Removed %1.', pattern));
    inputRef.current?.focus();
  };

  const onKeyDown = (event: React.KeyboardEvent<HTMLInputElement>) => {
    if (event.key !== 'Enter' || event.nativeEvent.isComposing) {
      return;
    }
    if (typed.problem !== 'empty') {
      // The dialog left this Enter to the field: add, or show why not.
      event.preventDefault();
      add();
    }
  };

  let hint: { text: string; warn: boolean } | null = null;
  if (typed.problem === 'comment') {
    hint = {
      text: trans.__(
        'A line starting with # is a comment and leaves nothing out. To match a name that starts with #, write \\# instead.'
      ),
      warn: true
    };
  } else if (typed.pattern !== null && typed.pattern.startsWith('!')) {
    hint = {
      text: trans.__(
        'A line starting with ! brings matching files back into the snapshot.'
      ),
      warn: false
    };
  }

  const preview = previewText(scan, patterns, target);
  const hasUserRows = rows.some(r => r.kind === 'user');
  const addId = `${ids}-add`;
  const hintId = `${ids}-hint`;

  return (
    <div className="jp-SnapshotGuard-amlignore">
      <p className="jp-SnapshotGuard-note">{targetNote(trans, target)}</p>
      <div className="jp-SnapshotGuard-totals">
        <p
          className={`jp-SnapshotGuard-before jp-mod-${proposal.before.verdict}`}
        >
          <span>
            {trans.__(
              'Before: %1',
              filesAndBytes(trans, proposal.before.files, proposal.before.bytes)
            )}
          </span>{' '}
          <span className="jp-SnapshotGuard-verdict">
            {verdictText(trans, proposal.before.verdict)}
          </span>
        </p>
        <p
          className={`jp-SnapshotGuard-after jp-mod-${after.verdict}`}
          aria-busy={afterNow!.key !== totalsKey}
        >
          <span>
            {trans.__(
              'After: %1',
              filesAndBytes(trans, after.files, after.bytes)
            )}
          </span>{' '}
          <span className="jp-SnapshotGuard-verdict">
            {verdictText(trans, after.verdict)}
          </span>
        </p>
      </div>
      <fieldset className="jp-SnapshotGuard-lines">
        <legend>{trans.__('Lines to add')}</legend>
        {rows.length === 0 ? (
          <p className="jp-SnapshotGuard-empty">
            {trans.__('No lines to suggest. Add your own patterns below.')}
          </p>
        ) : (
          <ul>
            {rows.map((r, i) => (
              <li
                key={r.pattern}
                className={`jp-SnapshotGuard-line${
                  r.kind === 'user' ? ' jp-mod-user' : ''
                }`}
              >
                <label>
                  <input
                    type="checkbox"
                    checked={r.checked}
                    onChange={() => toggle(i)}
                  />
                  <code className="jp-SnapshotGuard-pattern">{r.pattern}</code>
                  <span className="jp-SnapshotGuard-lineKind">
                    {lineKindText(trans, r.kind)}
                    {r.kind === 'user' || r.label === r.pattern ? null : (
                      <>
                        {trans.__(': ')}
                        <PathName tag="span" path={r.label} />
                      </>
                    )}
                    {r.reason ? (
                      <span className="jp-SnapshotGuard-junkReason">
                        {junkReasonText(trans, r.reason)}
                      </span>
                    ) : null}
                    {r.optional ? (
                      <span className="jp-SnapshotGuard-optional">
                        {optionalLineText(trans, r.pattern)}
                      </span>
                    ) : null}
                  </span>
                </label>
                <span className="jp-SnapshotGuard-lineTally">
                  {tallyText(trans, r.files, r.bytes)}
                </span>
                {r.kind !== 'user' ? (
                  hasUserRows ? (
                    <span className="jp-SnapshotGuard-removeSpace" />
                  ) : null
                ) : (
                  <button
                    type="button"
                    className="jp-SnapshotGuard-remove"
                    aria-label={trans.__('Remove %1', r.pattern)}
                    title={trans.__('Remove %1', r.pattern)}
                    onClick={() => remove(i)}
                  >
                    <closeIcon.react tag="span" />
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </fieldset>
      <div className="jp-SnapshotGuard-add">
        <label htmlFor={addId}>{trans.__('Add a pattern')}</label>
        <input
          id={addId}
          ref={inputRef}
          type="text"
          className={`jp-mod-styled ${ADD_PATTERN_CLASS}`}
          value={text}
          placeholder={trans.__('e.g. data/ or *.parquet')}
          spellCheck={false}
          autoComplete="off"
          aria-describedby={hintId}
          onChange={e => {
            setText(e.currentTarget.value);
            setStatus('');
          }}
          onKeyDown={onKeyDown}
        />
        <button
          type="button"
          className="jp-SnapshotGuard-addButton"
          disabled={typed.pattern === null}
          onClick={() => {
            add();
            inputRef.current?.focus();
          }}
        >
          {trans.__('Add')}
        </button>
      </div>
      <p
        id={hintId}
        className={`jp-SnapshotGuard-hint${hint?.warn ? ' jp-mod-warn' : ''}`}
        aria-live="polite"
      >
        {hint !== null
          ? hint.text
          : typed.pattern !== null && typedAlone !== null
            ? trans.__(
                '%1 on its own: %2. Press Enter to add it; Write also includes it.',
                typed.pattern,
                tallyText(trans, typedAlone.files, typedAlone.bytes)
              )
            : status}
      </p>
      <details className="jp-SnapshotGuard-preview">
        <summary>
          {target === 'append'
            ? trans.__('Preview of the lines added to .amlignore')
            : trans.__('Preview of the new .amlignore')}
        </summary>
        <pre>{preview}</pre>
      </details>
    </div>
  );
}

/** The key of the proposal's own totals: its checked lines. */
function initialKey(proposal: IProposal): string {
  return proposal.lines
    .filter(l => l.checked)
    .map(l => l.pattern)
    .join('\n');
}

/**
 * `compute(key)` for the latest key, one at a time: keys that come and go
 * while one is computed are skipped, so typing never queues up work. The
 * last answer with its key (stale while the next is computed), `known`
 * until the first, else null.
 */
function useLatest<T>(
  key: string | null,
  compute: (key: string) => Promise<T>,
  known: { key: string; value: T } | null = null
): { key: string; value: T } | null {
  const [done, setDone] = React.useState(known);
  const state = React.useRef({
    want: key,
    tried: known?.key ?? null,
    busy: false,
    live: true,
    compute
  });
  state.current.want = key;
  state.current.compute = compute;
  React.useEffect(() => {
    const s = state.current;
    return () => {
      s.live = false;
    };
  }, []);
  React.useEffect(() => {
    const s = state.current;
    const next = () => {
      const k = s.want;
      if (s.busy || !s.live || k === null || k === s.tried) {
        return;
      }
      s.busy = true;
      s.tried = k;
      s.compute(k)
        .then(
          value => {
            if (s.live) {
              setDone({ key: k, value });
            }
          },
          // Shown as before: the last totals stay.
          () => undefined
        )
        .finally(() => {
          s.busy = false;
          next();
        });
    };
    next();
  }, [key]);
  return done;
}

/** Files and bytes a pattern takes out of the snapshot on its own. */
function removedBy(before: ITotals, after: ITotals) {
  return {
    files: before.files - after.files,
    bytes: before.bytes - after.bytes
  };
}

function tallyText(
  trans: TranslationBundle,
  files: number | null,
  bytes: number | null
): string {
  if (files === null || bytes === null) {
    return '';
  }
  if (files < 0) {
    return trans.__('brings back %1', filesText(trans, -files));
  }
  if (files === 0) {
    return trans.__('matches nothing');
  }
  return trans.__('%1, %2', filesText(trans, files), formatBytes(bytes));
}

function targetNote(trans: TranslationBundle, target: AmlignoreTarget): string {
  switch (target) {
    case 'append':
      return trans.__(
        'Write adds the checked lines to the end of the existing .amlignore, in a block between two marker comments. The rest of the file stays as it is.'
      );
    case 'replace-gitignore':
      return trans.__(
        'Write creates .amlignore. Azure ML then reads it instead of .gitignore (never both), so the lines of .gitignore are copied into it first and still apply. .gitignore itself is not changed.'
      );
    default:
      return trans.__(
        'Write creates .amlignore in the snapshot folder with the checked lines. Azure ML leaves out what they match.'
      );
  }
}

/** The text Write adds: the marked block, or the whole new file. */
function previewText(
  scan: IAmlignoreDialogOptions['scan'],
  patterns: readonly string[],
  target: AmlignoreTarget
): string {
  const { text } = composeAmlignore(scan, patterns);
  if (target === 'append' && scan.ignoreFile === '.amlignore') {
    return text.slice((scan.ignoreText ?? '').length).replace(/^\n/, '');
  }
  return text;
}
