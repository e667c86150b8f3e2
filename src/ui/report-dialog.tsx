import { Dialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import type { ISnapshotReport } from '../snapshot/accounting.js';
import {
  formatBytes,
  formatCount,
  formatDuration
} from '../snapshot/format.js';
import { uploadSeconds } from '../snapshot/raise-limit.js';
import { ContributorBars } from './contributor-bars.js';
import { GuardBody, GuardDialog, launch } from './dialog.js';
import { Meter } from './meter.js';
import { PathName } from './path-name.js';
import {
  filesAndBytes,
  headlineText,
  levelOf,
  reportTitle,
  ruleSourceText,
  warningKindText
} from './words.js';

/** What the user chose in the report. */
export type ReportChoice =
  | 'amlignore'
  | 'move'
  | 'anyway'
  | 'raise-limit'
  | 'datastore'
  | 'cancel'
  /** Check and fix a pipeline step's folder (server-relative). */
  | `step:${string}`;

export interface IReportDialogOptions {
  report: ISnapshotReport;
  /** The snapshot folder as the user should read it. */
  folder: string;
  trans: TranslationBundle;
  /** A limitation of this check to point out, or nothing. */
  caveat?: string | null;
  /** Offer "Submit anyway" (only when nothing hard fails). */
  canSubmitAnyway: boolean;
  /** Offer "Move to a clean folder" (a notebook is being checked). */
  canMove: boolean;
  /** Offer "Move data to a datastore" (the helper kernel uploads). */
  canMoveData?: boolean;
  /** Offer "Raise the size limit for this submission" (azureml-core). */
  canRaiseLimit?: boolean;
  /** The upload speed time estimates assume, in Mbit/s. */
  uploadMbps?: number;
  /** The notebook's pipeline steps, each folder checked as its own snapshot. */
  steps?: readonly IStepReport[];
}

/** A pipeline step's folder and its verdict. */
export interface IStepReport {
  kind: string;
  /** Server-relative; null when the source does not say it plainly. */
  folder: string | null;
  expression: string;
  /** The step folder's own check, when it could be made. */
  report?: ISnapshotReport;
  /** Why it could not be checked. */
  error?: string;
}

/** Warnings listed before "and N more". */
const WARNINGS_SHOWN = 10;

/**
 * Show what Azure ML would upload and why it is too much; resolve with the
 * fix the user picked.
 */
export async function showReportDialog(
  options: IReportDialogOptions
): Promise<ReportChoice> {
  const { report, trans, canSubmitAnyway, canMove } = options;
  const choices: (ReportChoice | null)[] = [null];
  const buttons: Dialog.IButton[] = [
    Dialog.cancelButton({ label: trans.__('Cancel') })
  ];
  if (canSubmitAnyway) {
    choices.push('anyway');
    buttons.push(
      Dialog.warnButton({
        label: trans.__('Submit anyway'),
        caption: trans.__('Submit without changing anything'),
        actions: ['anyway']
      })
    );
  }
  // The documentation's order: datastore, raised limit, .amlignore, a
  // clean folder.
  if (options.canMoveData) {
    choices.push('datastore');
    buttons.push(
      Dialog.cancelButton({
        label: trans.__('Move data to a datastore…'),
        caption: trans.__(
          'Upload big data to the workspace’s datastore and give it to the job as an input, instead of in the snapshot'
        ),
        actions: ['datastore']
      })
    );
  }
  if (options.canRaiseLimit) {
    choices.push('raise-limit');
    buttons.push(
      Dialog.cancelButton({
        label: trans.__('Raise the size limit…'),
        caption: trans.__(
          'Raise azureml-core’s size limit for this submission only (fewer than 2000 files, data that cannot move to a datastore)'
        ),
        actions: ['raise-limit']
      })
    );
  }
  for (const step of options.steps ?? []) {
    if (step.folder && step.report?.verdict === 'over') {
      const action = `step:${step.folder}` as const;
      choices.push(action);
      buttons.push(
        Dialog.cancelButton({
          label: trans.__('Fix step %1…', step.folder),
          caption: trans.__(
            'Check the pipeline step’s folder %1 as its own snapshot and fix it',
            step.folder
          ),
          actions: [action]
        })
      );
    }
  }
  if (canMove) {
    choices.push('move');
    buttons.push(
      // A secondary action: styled like Cancel, not like the default.
      Dialog.cancelButton({
        label: trans.__('Move to a clean folder'),
        caption: trans.__(
          'Copy the notebook and the files it needs into a new, empty subfolder'
        ),
        actions: ['move']
      })
    );
  }
  choices.push('amlignore');
  buttons.push(
    Dialog.okButton({
      label: trans.__('Write .amlignore…'),
      caption: trans.__('Choose what Azure ML should leave out of the upload'),
      actions: ['amlignore']
    })
  );
  const body = new GuardBody<null>(
    () => (
      <ReportBody
        report={report}
        folder={options.folder}
        trans={trans}
        caveat={options.caveat ?? null}
        uploadMbps={options.uploadMbps}
        steps={options.steps}
      />
    ),
    { value: null, valid: true }
  );
  const dialog = new GuardDialog<null>({
    title: reportTitle(trans, report.verdict),
    body,
    buttons
  });
  dialog.addClass('jp-SnapshotGuard-reportDialog');
  const result = await launch(dialog);
  if (result === null) {
    return 'cancel';
  }
  const action = result.button.actions[0];
  return choices.find(c => c !== null && c === action) ?? 'cancel';
}

export interface IReportBodyProps {
  report: ISnapshotReport;
  folder: string;
  trans: TranslationBundle;
  caveat: string | null;
  /** For azure-ai-ml's upload time (no hard limit); none: not shown. */
  uploadMbps?: number;
  steps?: readonly IStepReport[];
}

/** The body of the report dialog; also usable on its own. */
export function ReportBody(props: IReportBodyProps): JSX.Element {
  const { report, folder, trans, caveat } = props;
  const { limits, reasons } = report;
  const warnings = report.warnings.slice(0, WARNINGS_SHOWN);
  const moreWarnings = report.warnings.length - warnings.length;
  // A hostile folder can hold thousands (dangling links): a page of them.
  const failures = report.failures.slice(0, WARNINGS_SHOWN);
  const moreFailures = report.failures.length - failures.length;
  return (
    <div className="jp-SnapshotGuard-report">
      <p className={`jp-SnapshotGuard-headline jp-mod-${report.verdict}`}>
        {headlineText(trans, report, limits, reasons)}
      </p>
      <p className="jp-SnapshotGuard-folder">
        {trans.__('Code snapshot of %1', folder)}
      </p>
      {caveat ? (
        <div className="jp-SnapshotGuard-caveat" role="note">
          {caveat}
        </div>
      ) : null}
      {limits.maxBytes !== null || limits.maxFiles !== null ? (
        <div className="jp-SnapshotGuard-meters">
          {limits.maxBytes !== null ? (
            <Meter
              label={trans.__('Size')}
              value={report.bytes}
              max={limits.maxBytes}
              valueText={trans.__(
                '%1 of %2',
                formatBytes(report.bytes),
                formatBytes(limits.maxBytes)
              )}
              level={levelOf(reasons, 'bytes')}
            />
          ) : null}
          {limits.maxFiles !== null ? (
            <Meter
              label={trans.__('Files')}
              value={report.files}
              max={limits.maxFiles}
              valueText={trans.__(
                '%1 of %2',
                formatCount(report.files),
                formatCount(limits.maxFiles)
              )}
              level={levelOf(reasons, 'files')}
            />
          ) : null}
        </div>
      ) : null}
      <p className="jp-SnapshotGuard-sdk">
        {trans.__(
          'Counted as %1 uploads it (%2).',
          report.sdk === 'v1'
            ? 'azureml-core (SDK v1)'
            : 'azure-ai-ml (SDK v2)',
          report.profileReason
        )}
      </p>
      {report.sdk === 'v2' && props.uploadMbps ? (
        <p className="jp-SnapshotGuard-noHardLimit">
          {trans.__(
            'azure-ai-ml has no hard size limit: a big snapshot is not refused, only slow to upload, about %1 at %2 Mbit/s (Upload bandwidth in the settings). The fixes below make it faster.',
            formatDuration(
              uploadSeconds(report.uploadBytes, props.uploadMbps) ?? 0
            ),
            String(props.uploadMbps)
          )}
        </p>
      ) : null}
      {report.failures.length > 0 ? (
        <>
          <ul className="jp-SnapshotGuard-failures">
            {failures.map(f => (
              <li key={f.path}>
                <code>{f.path}</code>: {f.message}
              </li>
            ))}
          </ul>
          {moreFailures > 0 ? (
            <p className="jp-SnapshotGuard-more">
              {trans._n(
                'and %2 more such problem',
                'and %2 more such problems',
                moreFailures,
                formatCount(moreFailures)
              )}
            </p>
          ) : null}
        </>
      ) : null}
      {report.deadLines.length > 0 ? (
        <ul className="jp-SnapshotGuard-deadLines">
          {report.deadLines.map(d => (
            <li key={`${d.source}:${d.line}`}>
              {trans.__(
                '%1 line %2 has no effect: %3',
                d.source,
                d.line,
                d.reason
              )}
            </li>
          ))}
        </ul>
      ) : null}
      <p className="jp-SnapshotGuard-ruleSource">
        <span>{ruleSourceText(trans, report.ignoreFile)}</span>
        {report.excluded.files > 0 ? (
          <span className="jp-SnapshotGuard-excluded">
            {trans.__(
              '%1 left out by these rules',
              filesAndBytes(trans, report.excluded.files, report.excluded.bytes)
            )}
          </span>
        ) : null}
      </p>
      {report.complete ? null : (
        <p className="jp-SnapshotGuard-incomplete">
          {trans.__(
            'Some folders were skipped unread under the earlier rules; check again for exact numbers.'
          )}
        </p>
      )}
      {props.steps && props.steps.length > 0 ? (
        <section className="jp-SnapshotGuard-steps">
          <h3 className="jp-SnapshotGuard-heading">
            {trans.__('Pipeline steps: each folder is its own snapshot')}
          </h3>
          <ul>
            {props.steps.map((s, i) => (
              <li
                key={`${i}:${s.expression}`}
                className={`jp-SnapshotGuard-step jp-mod-${s.report?.verdict ?? 'unknown'}`}
              >
                <span className="jp-SnapshotGuard-stepKind">{s.kind}</span>{' '}
                {s.folder === null ? (
                  <span>
                    {trans.__(
                      'folder could not be determined from %1 (only literal strings and simple os.path.join are read): check it yourself',
                      s.expression
                    )}
                  </span>
                ) : (
                  <>
                    <code>{s.folder === '' ? '.' : s.folder}</code>{' '}
                    <span>
                      {s.report
                        ? headlineText(
                            trans,
                            s.report,
                            s.report.limits,
                            s.report.reasons
                          )
                        : trans.__('not checked: %1', s.error ?? '')}
                    </span>
                  </>
                )}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <ContributorBars
        files={report.included}
        top={report.top}
        total={report}
        rootLabel={folder}
        trans={trans}
      />
      {report.warnings.length > 0 ? (
        <section className="jp-SnapshotGuard-warnings">
          <h3 className="jp-SnapshotGuard-heading">
            {trans._n(
              '%2 warning',
              '%2 warnings',
              report.warnings.length,
              formatCount(report.warnings.length)
            )}
          </h3>
          <ul>
            {warnings.map((w, i) => (
              <li key={`${i}:${w.path}`}>
                <span className="jp-SnapshotGuard-warningKind">
                  {warningKindText(trans, w.kind)}
                </span>{' '}
                <PathName path={w.path} />{' '}
                <span className="jp-SnapshotGuard-warningMessage">
                  {w.message}
                </span>
              </li>
            ))}
          </ul>
          {moreWarnings > 0 ? (
            <p className="jp-SnapshotGuard-more">
              {trans._n(
                'and %2 more warning',
                'and %2 more warnings',
                moreWarnings,
                formatCount(moreWarnings)
              )}
            </p>
          ) : null}
        </section>
      ) : null}
    </div>
  );
}
