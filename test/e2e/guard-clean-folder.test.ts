/**
 * "Move to a clean folder" end to end (issue 3): the notebook and the module
 * it imports are copied into `<name>-job/`, the copy opens in a tab and
 * passes the re-check, and nothing else in the original folder changes; a
 * taken name gets a number and the existing folder is left as it was.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  MiB,
  checkText,
  dialogButton,
  focused,
  referenceCheck,
  sparse,
  treeChanges,
  treeHashes,
  useLab,
  writeFiles,
  writeNotebook,
  type IScenario
} from './scenario.js';
import { dyingCopy, py } from '../helpers/helper-driver.js';

const s = useLab('clean');

/** An over-limit project whose notebook imports utils and reads data/. */
function project(dir: string): void {
  writeNotebook(join(dir, 'train.ipynb'), [
    'from utils import load\n',
    "df = load('data')"
  ]);
  writeFiles(dir, {
    'utils.py': 'def load(path):\n    return path\n',
    'notes.md': '# Notes\n',
    '.gitignore': '*.tmp\n',
    '.git/HEAD': 'ref: refs/heads/main\n',
    '.git/objects/12/3456': 'blob',
    '.secrets/token.txt': 'not for the job'
  });
  sparse(join(dir, 'data/train.parquet'), 320 * MiB);
}

/**
 * Open the notebook and save it once its kernel's info has changed its
 * metadata, so the check has nothing to save: the original folder must
 * then stay exactly as it is.
 */
async function openSaved(s: IScenario, path: string): Promise<void> {
  await s.open(path);
  const dirty = await s.page.evaluate(async p => {
    const shell = (window as any).jupyterapp.shell;
    const w = [...shell.widgets('main')].find(
      (x: any) => x.context?.path === p
    );
    // The kernel's info and spec change the notebook's metadata when they
    // arrive: saved after them, it stays saved.
    await w.sessionContext.ready;
    const kernel = w.sessionContext.session.kernel;
    await kernel.info;
    await kernel.spec;
    // The panel's own handlers of the same promises ran before this one.
    await new Promise(resolve => setTimeout(resolve, 0));
    if (w.context.model.dirty) {
      await w.context.save();
    }
    return w.context.model.dirty as boolean;
  }, path);
  assert.equal(dirty, false, `${path} stays saved`);
}

/** Report → "Move to a clean folder" → the dialog; its proposed name. */
async function moveDialog(s: IScenario) {
  const report = await s.dialog('jp-SnapshotGuard-reportDialog');
  await dialogButton(report, 'Move to a clean folder').click();
  const dialog = await s.dialog('jp-SnapshotGuard-cleanDialog');
  const companions = dialog.locator('.jp-SnapshotGuard-companion');
  const rows: { path: string; checked: boolean }[] = [];
  for (let i = 0; i < (await companions.count()); i++) {
    rows.push({
      path: (await companions.nth(i).locator('code').textContent()) ?? '',
      checked: await companions
        .nth(i)
        .locator('input[type="checkbox"]')
        .isChecked()
    });
  }
  return { dialog, rows };
}

function sha(path: string): string {
  return readFileSync(path).toString('base64');
}

test('move to a clean folder: copies notebook + utils.py, opens it, OK', t =>
  s.run(t, async () => {
    const dir = s.folder('clean');
    project(dir);
    await openSaved(s, 'clean/train.ipynb');
    const before = treeHashes(dir);
    await s.submit('clean/train.ipynb');

    const { dialog, rows } = await moveDialog(s);
    assert.equal(
      await dialog.locator('.jp-SnapshotGuard-folderName').inputValue(),
      'train-job'
    );
    assert.deepEqual(
      rows.find(r => r.path === 'utils.py'),
      { path: 'utils.py', checked: true },
      `utils.py is proposed and checked: ${JSON.stringify(rows)}`
    );
    assert.ok(
      rows.every(r => r.path === 'utils.py' || !r.checked),
      `only utils.py is checked: ${JSON.stringify(rows)}`
    );
    await s.shot('clean-folder');
    await dialogButton(dialog, 'Copy').click();
    await dialog.waitFor({ state: 'detached' });

    const copied = await s.toast('success', /^Copied /);
    assert.equal(
      copied,
      'Copied train.ipynb and 1 companion file into clean/train-job.'
    );
    const ok = await s.toast('success', /^Snapshot OK/);
    // Submit goes on with the copy.
    await s.cancelSubmitDialog('train.ipynb');
    const job = join(dir, 'train-job');
    // JupyterLab adds its checkpoint when it opens the copy; the re-check
    // counts it (Azure ML uploads it).
    assert.deepEqual(readdirSync(job).sort(), [
      '.ipynb_checkpoints',
      'train.ipynb',
      'utils.py'
    ]);
    assert.equal(sha(join(job, 'train.ipynb')), sha(join(dir, 'train.ipynb')));
    assert.equal(sha(join(job, 'utils.py')), sha(join(dir, 'utils.py')));
    const ref = referenceCheck(job);
    assert.equal(ref.verdict, 'ok');
    assert.deepEqual(
      ref.files.filter(p => !p.startsWith('.ipynb_checkpoints/')),
      ['train.ipynb', 'utils.py']
    );
    assert.equal(ok, checkText(ref));

    // The copy is open in a tab (and is the current one).
    await s.page.waitForFunction(
      () =>
        (window as any).jupyterapp.shell.currentWidget?.context?.path ===
        'clean/train-job/train.ipynb',
      undefined,
      { timeout: 10_000 }
    );

    // Nothing else changed in the original folder.
    const changes = treeChanges(before, treeHashes(dir));
    assert.deepEqual(changes.removed, []);
    assert.deepEqual(changes.changed, []);
    assert.deepEqual(
      changes.added.filter(p => !p.startsWith('train-job/')),
      ['train-job']
    );
  }));

test('a taken <name>-job gets a number; the existing folder is untouched', t =>
  s.run(t, async () => {
    const dir = s.folder('taken');
    project(dir);
    writeFiles(dir, { 'train-job/results.txt': 'an earlier run\n' });
    await openSaved(s, 'taken/train.ipynb');
    const before = treeHashes(dir);
    await s.submit('taken/train.ipynb');

    const { dialog } = await moveDialog(s);
    await dialogButton(dialog, 'Copy').click();
    const copied = await s.toast('success', /^Copied /);
    assert.match(copied, /into taken\/train-job-2\.$/);
    await s.toast('success', /^Snapshot OK/);
    await s.cancelSubmitDialog('train.ipynb');

    assert.deepEqual(readdirSync(join(dir, 'train-job-2')).sort(), [
      '.ipynb_checkpoints',
      'train.ipynb',
      'utils.py'
    ]);
    const changes = treeChanges(before, treeHashes(dir));
    assert.deepEqual(changes.removed, []);
    assert.deepEqual(changes.changed, [], 'train-job/ is byte-identical');
    assert.deepEqual(
      changes.added.filter(p => !p.startsWith('train-job-2/')),
      ['train-job-2']
    );
    assert.ok(existsSync(join(dir, 'train-job/results.txt')));
  }));

test('the clean-folder dialog: a bad name disables Copy; Enter copies', t =>
  s.run(t, async () => {
    const dir = s.folder('named');
    project(dir);
    await openSaved(s, 'named/train.ipynb');
    await s.submit('named/train.ipynb');
    const { dialog } = await moveDialog(s);
    const name = dialog.locator('.jp-SnapshotGuard-folderName');
    // The name field has the focus, its text selected: typing replaces it.
    await focused(name);
    await s.page.keyboard.type('a/b');
    const copy = dialogButton(dialog, 'Copy');
    assert.equal(await copy.isDisabled(), true);
    await dialog
      .locator('.jp-SnapshotGuard-error')
      .getByText('A folder name cannot contain / or \\.')
      .waitFor();
    // Enter does not accept an invalid name.
    await s.page.keyboard.press('Enter');
    assert.ok(await dialog.isVisible());
    await name.fill('  run 1 ');
    assert.equal(await copy.isDisabled(), false);
    await s.page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    const copied = await s.toast('success', /^Copied /);
    assert.match(copied, /into named\/run 1\.$/);
    await s.toast('success', /^Snapshot OK/);
    await s.cancelSubmitDialog('train.ipynb');
    assert.ok(existsSync(join(dir, 'run 1', 'train.ipynb')));
    assert.ok(existsSync(join(dir, 'run 1', 'utils.py')));
  }));

test('an interrupted copy in the folder is offered for removal; what the user added is named as left (#9)', t =>
  s.run(t, async () => {
    const dir = s.folder('left');
    writeNotebook(join(dir, 'nb.ipynb'), ['X = 1']);
    writeFiles(dir, { 'util.py': 'X = 1\n', 'data.bin': 'd'.repeat(100_000) });
    // A helper dies while copying data.bin (os._exit, like SIGKILL): the
    // copy's folder keeps run's copy, the journal and its visible marker.
    py(
      s.root,
      dyingCopy(
        'left',
        'nb-job',
        [
          ['left/nb.ipynb', 'nb.ipynb'],
          ['left/data.bin', 'data.bin']
        ],
        2
      ),
      { status: 9 }
    );
    writeFileSync(join(dir, 'nb-job', 'mine.txt'), 'keep me');
    await openSaved(s, 'left/nb.ipynb');
    await s.submit('left/nb.ipynb');
    const offer = await s.dialogTitled(
      /^An interrupted copy is in this folder$/
    );
    assert.match(
      (await offer.textContent()) ?? '',
      /left\/nb-job holds an incomplete "Move to a clean folder" copy/
    );
    await dialogButton(offer, 'Remove the copy').click();
    const removed = await s.toast('info', /was removed/);
    assert.match(removed, /left there: left\/nb-job\/mine\.txt/);
    assert.deepEqual(readdirSync(join(dir, 'nb-job')), ['mine.txt']);
    await s.cancelSubmitDialog('nb.ipynb');
  }));
