/**
 * "Write .amlignore…" end to end (issue 3): an ML project over both limits is
 * fixed with the checked lines (plus .gitignore's, carried over); an existing
 * .amlignore is appended to, never rewritten; hostile file names are shown
 * as text and their lines match exactly their file.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { harnessLabel } from './harness.js';
import {
  IScenario,
  MiB,
  amlignoreRows,
  checkText,
  dialogButton,
  formatBytes,
  formatCount,
  reportNumbers,
  referenceCheck,
  ruleLines,
  smallFiles,
  sparse,
  useLab,
  writeFiles,
  writeNotebook
} from './scenario.js';

const s = useLab('amlignore');

const LIMIT = formatBytes(300 * MiB);

/**
 * A typical ML project: git history, a virtual environment of 2,100 files,
 * 360 MB of data, a .gitignore, the notebook and a module it imports.
 */
function mlProject(dir: string, notebook: string): void {
  writeNotebook(join(dir, notebook), [
    'import utils\n',
    "df = utils.load('data/train.parquet')"
  ]);
  writeFiles(dir, {
    'utils.py': 'def load(path):\n    return path\n',
    '.gitignore': '__pycache__/\n*.pyc\n.ipynb_checkpoints/\n',
    '__pycache__/utils.cpython-311.pyc': 'compiled',
    '.git/HEAD': 'ref: refs/heads/main\n',
    '.git/config': '[core]\n\tbare = false\n',
    '.git/objects/ab/cdef0123': 'blob',
    '.venv/pyvenv.cfg': 'home = /usr/bin\n'
  });
  smallFiles(join(dir, '.venv/lib/python3.11/site-packages'), 2100);
  sparse(join(dir, 'data/train.parquet'), 250 * MiB);
  sparse(join(dir, 'data/test.parquet'), 110 * MiB);
}

/**
 * Report, then Write .amlignore, on an ML project over both limits; run on
 * every front end (the current JupyterLab and the declared floor).
 */
async function mlProjectFixed(s: IScenario): Promise<void> {
  const dir = s.folder('ml-project');
  mlProject(dir, 'train.ipynb');
  const gitignore = readFileSync(join(dir, '.gitignore'), 'utf8');

  await s.open('ml-project/train.ipynb');
  await s.submit('ml-project/train.ipynb');
  const report = await s.dialog('jp-SnapshotGuard-reportDialog');

  // What azureml-core would upload (the reference, not our engine).
  const before = referenceCheck(dir);
  assert.equal(before.verdict, 'over');
  assert.equal(before.ignoreFile, '.gitignore');
  // By construction: the 2,100 small files of .venv/ alone pass 2,000,
  // the two data files (360 MiB) alone pass 300 MiB.
  assert.ok(before.fileCount > 2100 && before.totalBytes > 360 * MiB);
  const shown = await reportNumbers(report);
  assert.equal(shown.bytes, before.totalBytes, 'Size meter = SDK bytes');
  assert.equal(shown.files, before.fileCount, 'Files meter = SDK files');
  assert.equal(
    shown.headline,
    `${formatBytes(before.totalBytes)} in ${formatCount(
      before.fileCount
    )} files: over the ${LIMIT} and 2,000-file limits`
  );
  assert.match(shown.ruleSource, /Rules from \.gitignore/);
  // The contributors are the top-level entries, biggest first: data/
  // (360 MiB), .venv/ (2,101 small files), then the notebook.
  const names = await report
    .locator('.jp-SnapshotGuard-bar .jp-SnapshotGuard-barName')
    .allTextContents();
  assert.deepEqual(
    names.slice(0, 3),
    before.top.slice(0, 3).map(c => (c.kind === 'dir' ? `${c.path}/` : c.path))
  );
  await s.shot('report-ml-project');

  await dialogButton(report, 'Write .amlignore…').click();
  const dialog = await s.dialog('jp-SnapshotGuard-amlignoreDialog');
  await report.waitFor({ state: 'detached' });
  const rows = await amlignoreRows(dialog);
  const checked = rows.filter(r => r.checked).map(r => r.pattern);
  assert.ok(checked.length > 0, 'some lines are checked');
  assert.ok(checked.includes('.venv/'), `.venv/ is checked: ${checked}`);
  await dialog
    .locator('.jp-SnapshotGuard-after')
    .getByText('within the limits')
    .waitFor();
  await dialog.locator('.jp-SnapshotGuard-preview summary').click();
  await s.shot('amlignore-ml-project');

  await dialogButton(dialog, 'Write').click();
  await dialog.waitFor({ state: 'detached' });
  const ok = await s.toast('success', /^Snapshot OK/);
  await s.cancelSubmitDialog('train.ipynb');

  // On disk: .gitignore's lines, then the checked ones.
  const written = readFileSync(join(dir, '.amlignore'), 'utf8');
  assert.deepEqual(ruleLines(written), [...ruleLines(gitignore), ...checked]);
  assert.equal(
    readFileSync(join(dir, '.gitignore'), 'utf8'),
    gitignore,
    '.gitignore unchanged'
  );
  const fixed = referenceCheck(dir);
  assert.equal(fixed.ignoreFile, '.amlignore');
  assert.equal(fixed.verdict, 'ok');
  assert.equal(ok, checkText(fixed), 'the re-check shows the SDK numbers');
  assert.ok(fixed.files.includes('train.ipynb'), 'the notebook is uploaded');
  assert.ok(fixed.files.includes('utils.py'), 'the module it imports too');
}

test('ML project: report shows the SDK numbers; .amlignore fixes it', t =>
  s.run(t, () => mlProjectFixed(s)));

test('an existing .amlignore is appended to, its bytes kept', t =>
  s.run(t, async () => {
    const dir = s.folder('append');
    writeNotebook(join(dir, 'run.ipynb'));
    // A byte-order mark, CRLF line ends, non-ASCII, no final newline.
    const original = Buffer.from(
      '\uFEFF# règles de l’équipe\r\n*.log\r\nscratch/',
      'utf8'
    );
    writeFileSync(join(dir, '.amlignore'), original);
    writeFiles(dir, { 'run.log': 'log\n', 'model.py': 'x = 1\n' });
    sparse(join(dir, 'checkpoints/epoch-1.pt'), 200 * MiB);
    sparse(join(dir, 'checkpoints/epoch-2.pt'), 200 * MiB);
    assert.equal(referenceCheck(dir).verdict, 'over');

    await s.open('append/run.ipynb');
    await s.submit('append/run.ipynb');
    const report = await s.dialog('jp-SnapshotGuard-reportDialog');
    assert.match(
      (await reportNumbers(report)).ruleSource,
      /Rules from \.amlignore/
    );
    await dialogButton(report, 'Write .amlignore…').click();
    const dialog = await s.dialog('jp-SnapshotGuard-amlignoreDialog');
    await dialog
      .locator('.jp-SnapshotGuard-note')
      .getByText(
        /adds the checked lines to the end of the existing \.amlignore/
      )
      .waitFor();
    const checked = (await amlignoreRows(dialog))
      .filter(r => r.checked)
      .map(r => r.pattern);
    // Enter on the preview's summary shows the preview; it does not Write.
    const summary = dialog.locator('.jp-SnapshotGuard-preview summary');
    await summary.focus();
    await s.page.keyboard.press('Enter');
    await dialog.locator('.jp-SnapshotGuard-preview pre').waitFor();
    assert.deepEqual(readFileSync(join(dir, '.amlignore')), original);
    await s.shot('amlignore-append');

    await dialogButton(dialog, 'Write').click();
    const ok = await s.toast('success', /^Snapshot OK/);
    await s.cancelSubmitDialog('run.ipynb');

    const written = readFileSync(join(dir, '.amlignore'));
    assert.ok(
      written.subarray(0, original.length).equals(original),
      'the earlier bytes are unchanged'
    );
    assert.ok(written.length > original.length);
    const added = written.subarray(original.length).toString('utf8');
    assert.deepEqual(ruleLines(added), checked);
    const ref = referenceCheck(dir);
    assert.equal(ref.verdict, 'ok');
    assert.equal(ok, checkText(ref));
    const uploaded = ref.files;
    assert.ok(!uploaded.includes('run.log'), 'the earlier rules still apply');
    assert.ok(uploaded.includes('model.py'));
  }));

/** Big files with hostile names, each with a small look-alike sibling. */
const HOSTILE: { name: string; siblings: string[] }[] = [
  { name: '<img src=x onerror=alert(1)>', siblings: ['img src=x'] },
  { name: 'it\'s "quoted"', siblings: ["it's quoted"] },
  { name: '#notes', siblings: ['notes'] },
  { name: '!important', siblings: ['important'] },
  { name: '[ab]', siblings: ['a', 'b'] },
  { name: 'star*', siblings: ['star-light'] },
  { name: 'back\\slash', siblings: ['backslash'] },
  { name: 'trailing space ', siblings: ['trailing space'] },
  { name: 'données', siblings: ['donnees'] }
];

test('hostile file names are shown as text and their lines match exactly', t =>
  s.run(t, async () => {
    const dir = s.folder('hostile');
    writeNotebook(join(dir, 'explore.ipynb'));
    // Each big file alone is over the target: every one needs a line. The
    // .csv ones share a type; the others have no extension, so each gets
    // its own file line.
    sparse(join(dir, '<img src=x onerror=alert(1)>.csv'), 250 * MiB);
    sparse(join(dir, 'données.csv'), 250 * MiB);
    writeFiles(dir, { 'keep.txt': 'small\n' });
    for (const h of HOSTILE) {
      sparse(join(dir, h.name), 250 * MiB);
      for (const sib of h.siblings) {
        writeFiles(dir, { [sib]: 'small sibling\n' });
      }
    }
    const before = referenceCheck(dir).files;
    for (const h of HOSTILE) {
      assert.ok(before.includes(h.name), `${h.name} is uploaded at first`);
    }

    await s.open('hostile/explore.ipynb');
    await s.submit('hostile/explore.ipynb');
    const report = await s.dialog('jp-SnapshotGuard-reportDialog');
    const names = await report
      .locator('.jp-SnapshotGuard-barName')
      .allTextContents();
    for (const name of [
      '<img src=x onerror=alert(1)>.csv',
      'données.csv',
      '<img src=x onerror=alert(1)>',
      'it\'s "quoted"',
      '[ab]'
    ]) {
      assert.ok(names.includes(name), `${name} is shown as text: ${names}`);
    }
    assert.equal(await report.locator('img').count(), 0, 'no img element');
    await s.shot('report-hostile');

    await dialogButton(report, 'Write .amlignore…').click();
    const dialog = await s.dialog('jp-SnapshotGuard-amlignoreDialog');
    assert.equal(await dialog.locator('img').count(), 0, 'no img element');
    const rows = await amlignoreRows(dialog);
    // Every line but the optional junk one (.ipynb_checkpoints/) is needed.
    const checked = rows.filter(r => r.checked).map(r => r.pattern);
    assert.deepEqual(
      rows.filter(r => !r.checked).map(r => r.pattern),
      ['.ipynb_checkpoints/']
    );
    assert.ok(checked.includes('*.csv'), `*.csv proposed: ${checked}`);
    await dialog.locator('.jp-SnapshotGuard-preview summary').click();
    await s.shot('amlignore-hostile');
    await dialogButton(dialog, 'Write').click();
    await s.toast('success', /^Snapshot OK/);
    await s.cancelSubmitDialog('explore.ipynb');

    const written = ruleLines(readFileSync(join(dir, '.amlignore'), 'utf8'));
    assert.deepEqual(written, checked);
    const after = referenceCheck(dir).files;
    for (const h of HOSTILE) {
      assert.ok(!after.includes(h.name), `${h.name} is left out`);
      for (const sib of h.siblings) {
        assert.ok(after.includes(sib), `${sib} (like ${h.name}) is kept`);
      }
    }
    assert.ok(!after.includes('données.csv'));
    assert.ok(after.includes('keep.txt'));
    assert.ok(after.includes('explore.ipynb'));
    // One line per hostile file (plus *.csv): none matches two of them.
    assert.equal(written.length, HOSTILE.length + 1);
    assert.equal(await s.page.locator('img[src="x"]').count(), 0);
  }));

test('.amlignore changed on disk while the dialog is open: kept, re-checked', t =>
  s.run(t, async () => {
    const dir = s.folder('race');
    writeNotebook(join(dir, 'race.ipynb'));
    writeFileSync(join(dir, '.amlignore'), '*.tmp\n');
    sparse(join(dir, 'data/big.bin'), 310 * MiB);
    await s.open('race/race.ipynb');
    await s.submit('race/race.ipynb');
    const report = await s.dialog('jp-SnapshotGuard-reportDialog');
    await dialogButton(report, 'Write .amlignore…').click();
    const dialog = await s.dialog('jp-SnapshotGuard-amlignoreDialog');

    // Someone else fixes the folder meanwhile.
    const theirs = '*.tmp\ndata/\n';
    writeFileSync(join(dir, '.amlignore'), theirs);
    await dialogButton(dialog, 'Write').click();
    const changed = s.page.locator('.jp-Dialog', {
      hasText: '.amlignore changed on disk after the check'
    });
    await changed.waitFor();
    assert.equal(readFileSync(join(dir, '.amlignore'), 'utf8'), theirs);
    await dialogButton(changed, 'Check again').click();
    const ok = await s.toast('success', /^Snapshot OK/);
    await s.cancelSubmitDialog('race.ipynb');
    assert.equal(ok, checkText(referenceCheck(dir)));
    assert.equal(readFileSync(join(dir, '.amlignore'), 'utf8'), theirs);
  }));

test('the .amlignore dialog works from the keyboard', t =>
  s.run(t, async () => {
    const dir = s.folder('keys');
    writeNotebook(join(dir, 'keys.ipynb'));
    sparse(join(dir, 'raw/a.bin'), 200 * MiB);
    sparse(join(dir, 'cache/b.bin'), 150 * MiB);
    await s.open('keys/keys.ipynb');
    await s.submit('keys/keys.ipynb');
    const report = await s.dialog('jp-SnapshotGuard-reportDialog');
    await dialogButton(report, 'Write .amlignore…').click();
    const dialog = await s.dialog('jp-SnapshotGuard-amlignoreDialog');
    const proposed = await amlignoreRows(dialog);

    // A typed pattern is added by Enter (it does not Write).
    const field = dialog.locator('.jp-SnapshotGuard-addPattern');
    // Keys through the field itself: the dialog may still move the focus
    // as it opens, and a locator's keys focus the field first.
    await field.pressSequentially('cache/');
    await field.press('Enter');
    await dialog
      .locator('.jp-SnapshotGuard-line', { hasText: 'cache/' })
      .waitFor();
    assert.equal(await field.inputValue(), '');
    assert.ok(await dialog.isVisible(), 'Enter in the field did not Write');

    // Space toggles a line's checkbox.
    const first = dialog
      .locator('.jp-SnapshotGuard-line input[type="checkbox"]')
      .first();
    await first.focus();
    await s.page.keyboard.press('Space');
    assert.equal(await first.isChecked(), !proposed[0].checked, 'Space');
    await s.page.keyboard.press('Space');
    assert.equal(await first.isChecked(), proposed[0].checked, 'Space again');

    // Enter in the empty field writes.
    await field.focus();
    await s.page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await s.toast('success', /^Snapshot OK/);
    await s.cancelSubmitDialog('keys.ipynb');
    const written = ruleLines(readFileSync(join(dir, '.amlignore'), 'utf8'));
    assert.deepEqual(written, [
      ...proposed.filter(r => r.checked).map(r => r.pattern),
      'cache/'
    ]);
  }));

describe(`on ${harnessLabel('floor')}`, () => {
  const floor = useLab('amlignore-floor', { lab: { harness: 'floor' } });

  test('ML project: report shows the SDK numbers; .amlignore fixes it', t =>
    floor.run(t, () => mlProjectFixed(floor)));
});
