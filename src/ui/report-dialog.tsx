import { Dialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import type { ISnapshotReport } from '../snapshot/accounting.js';
import { formatBytes, formatCount } from '../snapshot/format.js';
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
export type ReportChoice = 'amlignore' | 'move' | 'anyway' | 'cancel';

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
}

/** The body of the report dialog; also usable on its own. */
export function ReportBody(props: IReportBodyProps): JSX.Element {
  const { report, folder, trans, caveat } = props;
  const { limits, reasons } = report;
  const warnings = report.warnings.slice(0, WARNINGS_SHOWN);
  const moreWarnings = report.warnings.length - warnings.length;
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
      {report.failures.length > 0 ? (
        <ul className="jp-SnapshotGuard-failures">
          {report.failures.map(f => (
            <li key={f.path}>
              <code>{f.path}</code>: {f.message}
            </li>
          ))}
        </ul>
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
