/**
 * The last step of Submit: pick a target, fill in its fields, see the
 * final snapshot numbers.
 */
import { Dialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import type { ISnapshotReport } from '../snapshot/accounting.js';
import type { ISubmitTarget, ISubmitWhere } from '../tokens.js';
import {
  GuardBody,
  GuardDialog,
  acceptedValue,
  type BodyReporter
} from '../ui/dialog.js';
import {
  filesText,
  folderLabel,
  headlineText,
  ruleSourceText
} from '../ui/words.js';
import { submittedValues, visibleFields } from './model.js';
import { baseName } from '../snapshot/paths.js';

/** Values per target id, then per field id. */
export type TargetValues = Record<string, Record<string, string>>;

export interface ISubmitChoice {
  target: string;
  /** Every target's values as edited (what is remembered). */
  values: TargetValues;
}

export interface ISubmitDialogOptions {
  where: ISubmitWhere;
  targets: readonly ISubmitTarget[];
  /** Preselected target id. */
  target: string;
  /** Remembered values for this notebook. */
  remembered: TargetValues;
  report: ISnapshotReport;
  trans: TranslationBundle;
}

const TARGET_CLASS = 'jp-SnapshotGuard-target';

/** Show the Submit dialog; `null` when cancelled. */
export async function showSubmitDialog(
  options: ISubmitDialogOptions
): Promise<ISubmitChoice | null> {
  const { trans } = options;
  const initial = initialValues(options);
  const target = options.targets.some(t => t.id === options.target)
    ? options.target
    : options.targets[0].id;
  const problem = problemOf(options, target, initial);
  const body = new GuardBody<ISubmitChoice>(
    (report, attempts) => (
      <SubmitBody {...options} onState={report} attempts={attempts} />
    ),
    {
      value: { target, values: initial },
      valid: problem === null || problem.field !== null,
      hold: problem !== null && problem.field !== null
    }
  );
  const dialog = new GuardDialog<ISubmitChoice>({
    title: trans.__('Submit %1', baseName(options.where.path)),
    body,
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.okButton({
        label: trans.__('Submit'),
        caption: trans.__('Check the folder once more, then submit')
      })
    ],
    focusNodeSelector: `.${TARGET_CLASS}`
  });
  dialog.addClass('jp-SnapshotGuard-submitDialog');
  return acceptedValue(dialog);
}

function initialValues(options: ISubmitDialogOptions): TargetValues {
  const values: TargetValues = {};
  for (const t of options.targets) {
    const mine: Record<string, string> = {};
    const saved = options.remembered[t.id] ?? {};
    for (const f of t.fields?.(options.where) ?? []) {
      const value = saved[f.id];
      const allowed =
        typeof value === 'string' &&
        (!f.options || f.options.some(o => o.value === value));
      mine[f.id] = allowed ? value : (f.default ?? f.options?.[0]?.value ?? '');
    }
    values[t.id] = mine;
  }
  return values;
}

/** Why the values cannot be submitted. */
interface IProblem {
  text: string;
  /** The empty required field; `null` for anything else. */
  field: string | null;
}

/** Why Submit cannot go on, or `null`. */
function problemOf(
  options: ISubmitDialogOptions,
  targetId: string,
  values: TargetValues
): IProblem | null {
  const { trans, where } = options;
  const target = options.targets.find(t => t.id === targetId);
  if (!target) {
    return { text: trans.__('Choose a target.'), field: null };
  }
  const mine = submittedValues(target, where, values[targetId] ?? {});
  for (const f of visibleFields(target.fields?.(where) ?? [], mine)) {
    if (f.required && !mine[f.id]) {
      return { text: trans.__('Enter %1.', f.label), field: f.id };
    }
  }
  const text = target.validate?.(mine, where) ?? null;
  return text === null ? null : { text, field: null };
}

export interface ISubmitBodyProps extends ISubmitDialogOptions {
  onState: BodyReporter<ISubmitChoice>;
  /** How often the user pressed Submit while a required field was empty. */
  attempts: number;
}

/** The body of the Submit dialog. */
export function SubmitBody(props: ISubmitBodyProps): JSX.Element {
  const { targets, where, report, trans, onState, attempts } = props;
  const ids = React.useId();
  const [target, setTarget] = React.useState(() =>
    targets.some(t => t.id === props.target) ? props.target : targets[0].id
  );
  const [values, setValues] = React.useState(() => initialValues(props));
  const current = targets.find(t => t.id === target) ?? targets[0];
  const fields = React.useMemo(
    () => current.fields?.(where) ?? [],
    [current, where]
  );
  const mine = values[current.id] ?? {};
  const problem = problemOf(props, current.id, values);
  // An empty required field is an error only once the user left it or
  // tried to submit; until then Submit stays enabled and says what is
  // missing when pressed.
  const [touched, setTouched] = React.useState<ReadonlySet<string>>(
    () => new Set()
  );
  const fieldKey = (id: string) => `${current.id}:${id}`;
  const shown =
    problem !== null &&
    (problem.field === null ||
      attempts > 0 ||
      touched.has(fieldKey(problem.field)));
  const problemText = shown ? problem.text : null;

  const key = JSON.stringify([target, values]);
  React.useLayoutEffect(() => {
    onState({
      value: { target, values },
      valid: problem === null || !shown,
      hold: problem !== null && !shown
    });
  }, [key, problemText, shown, onState]);

  // After a refused Submit, the field to fill gets the focus (a passive
  // effect: from a layout effect the focus did not stay in Chromium).
  const fieldRefs = React.useRef(new Map<string, HTMLInputElement>());
  React.useEffect(() => {
    if (attempts > 0 && problem?.field) {
      fieldRefs.current.get(problem.field)?.focus();
    }
    // Only a new attempt moves the focus.
  }, [attempts]);

  const setField = (id: string, value: string) =>
    setValues(v => ({ ...v, [current.id]: { ...v[current.id], [id]: value } }));

  const folder = folderLabel(trans, where.folder);
  const problemId = `${ids}-problem`;
  return (
    <div className="jp-SnapshotGuard-submit">
      <div className="jp-SnapshotGuard-field">
        <label htmlFor={`${ids}-target`}>{trans.__('Submit to')}</label>
        <select
          id={`${ids}-target`}
          className={`jp-mod-styled ${TARGET_CLASS}`}
          value={current.id}
          onChange={e => setTarget(e.currentTarget.value)}
        >
          {targets.map(t => (
            <option key={t.id} value={t.id}>
              {t.label}
            </option>
          ))}
        </select>
      </div>
      {current.describe && (
        <p className="jp-SnapshotGuard-targetDescription">
          {current.describe(where)}
        </p>
      )}
      {visibleFields(fields, mine).map(f => {
        const id = `${ids}-${current.id}-${f.id}`;
        const value = mine[f.id] ?? '';
        const className = `jp-mod-styled jp-SnapshotGuard-input${
          f.code ? ' jp-SnapshotGuard-code' : ''
        }`;
        return (
          <div
            key={`${current.id}:${f.id}`}
            className="jp-SnapshotGuard-field"
            data-field={f.id}
          >
            <label htmlFor={id}>
              {f.label}
              {f.required ? (
                <span className="jp-SnapshotGuard-required">
                  {trans.__('required')}
                </span>
              ) : null}
            </label>
            {f.options ? (
              <select
                id={id}
                name={f.id}
                className={className}
                value={value}
                onChange={e => setField(f.id, e.currentTarget.value)}
              >
                {f.options.map(o => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </select>
            ) : (
              <input
                id={id}
                name={f.id}
                type="text"
                className={className}
                value={value}
                placeholder={f.placeholder}
                required={f.required}
                aria-invalid={shown && problem?.field === f.id}
                aria-describedby={problemId}
                spellCheck={false}
                autoComplete="off"
                ref={el => {
                  if (el) {
                    fieldRefs.current.set(f.id, el);
                  } else {
                    fieldRefs.current.delete(f.id);
                  }
                }}
                onChange={e => setField(f.id, e.currentTarget.value)}
                onBlur={() => setTouched(t => new Set(t).add(fieldKey(f.id)))}
              />
            )}
            {f.description && (
              <p className="jp-SnapshotGuard-fieldNote">{f.description}</p>
            )}
          </div>
        );
      })}
      <p
        id={problemId}
        className="jp-SnapshotGuard-problem"
        aria-live="polite"
        role={problemText === null ? undefined : 'alert'}
      >
        {problemText ?? ''}
      </p>
      <div className={`jp-SnapshotGuard-numbers jp-mod-${report.verdict}`}>
        <h3 className="jp-SnapshotGuard-heading">
          {trans.__('Snapshot of %1', folder)}
        </h3>
        <p className="jp-SnapshotGuard-total">
          {headlineText(trans, report, report.limits, report.reasons)}
        </p>
        <p className="jp-SnapshotGuard-note">
          {ruleSourceText(trans, report.ignoreFile)}
          {report.excluded.files > 0
            ? trans.__('; %1 excluded', filesText(trans, report.excluded.files))
            : ''}
        </p>
      </div>
    </div>
  );
}
