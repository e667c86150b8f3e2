/**
 * The Submit flow around the targets (issue 4), in a real JupyterLab and
 * Chromium: the JupyterLab command target, a target added by another
 * extension through the ISnapshotGuard token, a double-click, the folder
 * changing between the check and the submission, and an Azure ML SDK that is
 * not installed (this server has no test doubles on its path).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { harnessLabel } from './harness.js';
import {
  dialogButton,
  MiB,
  referenceCheck,
  sparse,
  submitAndWait,
  useBrowser,
  useLab,
  writeFiles,
  writeNotebook,
  type IScenario
} from './scenario.js';

const shared = useBrowser();

/**
 * Stand-ins registered from the page, as a test-only plugin would: the
 * command `test:record-submit` records its args and the notebook that is
 * the current widget when it runs (what jupyter-scheduler's command acts
 * on), and every result of the Submit command is kept in `window.__outcomes`.
 */
async function instrument(s: IScenario): Promise<void> {
  await s.page.evaluate(() => {
    const w = window as any;
    w.__recorded = [];
    w.__outcomes = [];
    const app = w.jupyterapp;
    if (!app.commands.hasCommand('test:record-submit')) {
      app.commands.addCommand('test:record-submit', {
        label: 'Record a submission (test)',
        execute: (args: Record<string, unknown>) => {
          const current = app.shell.currentWidget?.context?.path ?? null;
          w.__recorded.push({ ...args, current });
        }
      });
      app.commands.commandExecuted.connect((_: unknown, e: any) => {
        if (e.id === 'snapshot-guard:submit') {
          void Promise.resolve(e.result).then((r: unknown) =>
            w.__outcomes.push(r)
          );
        }
      });
    }
  });
}

const recorded = (s: IScenario) =>
  s.page.evaluate(() => (window as any).__recorded as unknown[]);
const outcomes = (s: IScenario) =>
  s.page.evaluate(() => (window as any).__outcomes as { status: string }[]);

/** Choose the command target with the recording command. */
async function commandTarget(
  s: IScenario,
  dialog: import('playwright-core').Locator
): Promise<void> {
  await s.chooseTarget(dialog, 'JupyterLab command');
  await s.field(dialog, 'command').fill('test:record-submit');
}

/**
 * The JupyterLab command target; run on every front end (the current
 * JupyterLab and the declared floor).
 */
async function commandTargetSubmits(s: IScenario): Promise<void> {
  await instrument(s);
  const dir = s.folder('cmd');
  writeNotebook(join(dir, 'report.ipynb'));
  writeNotebook(join(dir, 'other.ipynb'));
  await s.open('cmd/report.ipynb');
  // Another notebook in front, and Submit for report.ipynb from a command
  // (as the palette would with its path): the target must bring it forward.
  await s.open('cmd/other.ipynb');
  await s.page.evaluate(() => {
    void (window as any).jupyterapp.commands.execute('snapshot-guard:submit', {
      path: 'cmd/report.ipynb'
    });
  });
  const dialog = await s.submitDialog();
  await s.chooseTarget(dialog, 'JupyterLab command');
  // The default (jupyter-scheduler's) is not installed here.
  assert.equal(
    await s.field(dialog, 'command').inputValue(),
    'scheduling:create-from-notebook'
  );
  await dialog
    .locator('.jp-SnapshotGuard-problem', {
      hasText: /no command scheduling:create-from-notebook/
    })
    .waitFor();
  assert.equal(await dialogButton(dialog, 'Submit').isDisabled(), true);
  await s.field(dialog, 'command').fill('test:record-submit');
  await dialogButton(dialog, 'Submit').click();
  await s.page.waitForFunction(() => (window as any).__outcomes.length === 1);
  assert.deepEqual(await recorded(s), [
    { path: 'cmd/report.ipynb', folder: 'cmd', current: 'cmd/report.ipynb' }
  ]);
  assert.deepEqual(await outcomes(s), [
    {
      status: 'submitted',
      target: 'command',
      path: 'cmd/report.ipynb',
      folder: 'cmd'
    }
  ]);
}

describe('Submit flow', () => {
  const s = useLab('flow', { browser: shared });

  test('JupyterLab command target runs the command with {path, folder}', t =>
    s.run(t, () => commandTargetSubmits(s)));

  test('a target added through the ISnapshotGuard token gets the checked folder', t =>
    s.run(t, async () => {
      await instrument(s);
      const dir = s.folder('token');
      writeNotebook(join(dir, 'nb.ipynb'));
      writeFiles(dir, { 'a.py': 'print(1)\n', '.amlignore': 'a.py\n' });
      await s.open('token/nb.ipynb');
      // What another extension does with `requires: [ISnapshotGuard]`.
      await s.page.evaluate(async () => {
        const w = window as any;
        const app = w.jupyterapp;
        const token = [...app.pluginRegistry._services.keys()].find(
          (k: any) => k.name === 'jupyterlab-snapshot-guard:ISnapshotGuard'
        );
        const guard = await app.pluginRegistry.resolveRequiredService(token);
        const report = await guard.check('token');
        w.__checked = { files: report.files, ignoreFile: report.ignoreFile };
        w.__extra = guard.addTarget({
          id: 'test-target',
          label: 'Test target',
          fields: () => [{ id: 'queue', label: 'Queue', default: 'fast' }],
          submit: async (c: any) => {
            w.__recorded.push({
              path: c.path,
              folder: c.folder,
              files: c.report.included.map((f: any) => f.path),
              values: c.values
            });
          }
        });
      });
      // What azureml-core uploads (the reference): a.py is excluded.
      const ref = referenceCheck(dir);
      assert.ok(!ref.files.includes('a.py') && ref.files.includes('nb.ipynb'));
      assert.deepEqual(await s.page.evaluate(() => (window as any).__checked), {
        files: ref.fileCount,
        ignoreFile: '.amlignore'
      });
      const dialog = await submitAndWait(s, 'token/nb.ipynb');
      await s.chooseTarget(dialog, 'Test target');
      await s.field(dialog, 'queue').fill('  slow ');
      await dialogButton(dialog, 'Submit').click();
      await s.page.waitForFunction(
        () => (window as any).__outcomes.length === 1
      );
      const got = (await recorded(s)) as { files: string[] }[];
      assert.equal(got.length, 1);
      const { files, ...rest } = got[0];
      assert.deepEqual(rest, {
        path: 'token/nb.ipynb',
        folder: 'token',
        values: { queue: 'slow' }
      });
      // The files the SDK uploads (the guard's save may have added a
      // checkpoint since), each once.
      assert.deepEqual(
        [...files].sort(),
        referenceCheck(dir).files,
        'the target gets the upload list'
      );
      await s.page.evaluate(() => (window as any).__extra.dispose());
    }));

  test('after "Move to a clean folder" the copy in its new folder is submitted', t =>
    s.run(t, async () => {
      await instrument(s);
      const dir = s.folder('moved');
      writeNotebook(join(dir, 'nb.ipynb'));
      sparse(join(dir, 'data', 'big.bin'), 400 * MiB);
      await s.open('moved/nb.ipynb');
      await (await s.submitButton('moved/nb.ipynb')).click();
      const report = s.page.locator('.jp-Dialog.jp-SnapshotGuard-reportDialog');
      await report.waitFor();
      await dialogButton(report, 'Move to a clean folder').click();
      const clean = s.page.locator('.jp-Dialog.jp-SnapshotGuard-cleanDialog');
      await clean.waitFor();
      await dialogButton(clean, 'Copy').click();
      const dialog = await s.submitDialog();
      assert.match(
        (await dialog.locator('.jp-Dialog-header').textContent()) ?? '',
        /Submit nb\.ipynb/
      );
      assert.match(
        (await dialog.locator('.jp-SnapshotGuard-numbers').textContent()) ?? '',
        /Snapshot of moved\/nb-job/
      );
      await commandTarget(s, dialog);
      await dialogButton(dialog, 'Submit').click();
      await s.page.waitForFunction(
        () => (window as any).__outcomes.length === 1
      );
      assert.deepEqual(await recorded(s), [
        {
          path: 'moved/nb-job/nb.ipynb',
          folder: 'moved/nb-job',
          current: 'moved/nb-job/nb.ipynb'
        }
      ]);
    }));

  test('a double-click on Submit starts one flow', t =>
    s.run(t, async () => {
      await instrument(s);
      const dir = s.folder('dbl');
      writeNotebook(join(dir, 'nb.ipynb'));
      await s.open('dbl/nb.ipynb');
      await (await s.submitButton('dbl/nb.ipynb')).dblclick();
      const dialog = await s.submitDialog();
      // The check is done and its result shown: a second flow, started by
      // the second click, would be under way or done by now.
      await s.toast('success', /Snapshot OK/);
      assert.equal(
        await s.page.locator('.jp-Dialog').count(),
        1,
        'one Submit dialog'
      );
      assert.equal(
        await s.page
          .locator('.Toastify__toast', { hasText: /Snapshot OK/ })
          .count(),
        1,
        'one check'
      );
      assert.deepEqual(await outcomes(s), [
        { status: 'busy', path: 'dbl/nb.ipynb' }
      ]);
      // Once the flow ended, Submit works again.
      await dialogButton(dialog, 'Cancel').click();
      await s.page.waitForFunction(
        () => (window as any).__outcomes.length === 2
      );
      assert.equal((await outcomes(s))[1].status, 'cancelled');
      await submitAndWait(s, 'dbl/nb.ipynb');
    }));

  test('a big file appears between check and submit: checked again, told, nothing submitted', t =>
    s.run(t, async () => {
      await instrument(s);
      const dir = s.folder('late');
      writeNotebook(join(dir, 'nb.ipynb'));
      writeFiles(dir, { 'prep.py': 'print(1)\n' });
      await s.open('late/nb.ipynb');
      const dialog = await submitAndWait(s, 'late/nb.ipynb');
      await commandTarget(s, dialog);
      assert.match(
        (await dialog.locator('.jp-SnapshotGuard-total').textContent()) ?? '',
        /: within the limits/
      );
      // Meanwhile, something writes 400 MB into the folder.
      sparse(join(dir, 'checkpoint.pt'), 400 * MiB);
      await dialogButton(dialog, 'Submit').click();

      const changed = await s.dialogTitled(
        /The folder changed after the check/
      );
      const text = (await changed.textContent()) ?? '';
      assert.match(text, /nothing was submitted/);
      assert.match(text, /over the 300 MB limit/);
      assert.match(text, /checkpoint\.pt\s*400 MB/);
      assert.deepEqual(await recorded(s), [], 'the command did not run');
      // "Check and fix" goes back to the guard, which now reports it.
      await dialogButton(changed, 'Check and fix').click();
      const report = s.page.locator('.jp-Dialog.jp-SnapshotGuard-reportDialog');
      await report.waitFor();
      await dialogButton(report, 'Cancel').click();
      await s.page.waitForFunction(
        () => (window as any).__outcomes.length === 1
      );
      assert.equal((await outcomes(s))[0].status, 'cancelled');
      assert.deepEqual(await recorded(s), []);
    }));

  test('a small change between check and submit: told, then submitted', t =>
    s.run(t, async () => {
      await instrument(s);
      const dir = s.folder('late-small');
      writeNotebook(join(dir, 'nb.ipynb'));
      await s.open('late-small/nb.ipynb');
      const dialog = await submitAndWait(s, 'late-small/nb.ipynb');
      await commandTarget(s, dialog);
      writeFiles(dir, { 'notes.md': 'more\n' });
      await dialogButton(dialog, 'Submit').click();
      await s.toast(
        'info',
        /folder changed since the check \(now \d+ files, .*\); still within the limits/
      );
      await s.page.waitForFunction(
        () => (window as any).__recorded.length === 1
      );
    }));

  test('Azure ML SDK not installed: the message names the package', t =>
    s.run(t, async () => {
      const dir = s.folder('no-sdk');
      writeNotebook(join(dir, 'nb.ipynb'));
      await s.open('no-sdk/nb.ipynb');
      const dialog = await submitAndWait(s, 'no-sdk/nb.ipynb');
      assert.equal(
        await dialog.locator('select.jp-SnapshotGuard-target').inputValue(),
        'azureml'
      );
      await s.field(dialog, 'compute').fill('cpu-cluster');
      await dialogButton(dialog, 'Submit').click();
      const error = await s.dialogTitled(/Azure ML job not submitted/);
      const text = (await error.locator('.jp-Dialog-body').textContent()) ?? '';
      assert.match(text, /The Python package azureml-core is not installed/);
      assert.match(text, /pip install azureml-core/);
      await dialogButton(error, 'Close').click();
    }));
});

describe(`Submit flow on ${harnessLabel('floor')}`, () => {
  const s = useLab('flow-floor', {
    browser: shared,
    lab: { harness: 'floor' }
  });

  test('JupyterLab command target runs the command with {path, folder}', t =>
    s.run(t, () => commandTargetSubmits(s)));
});
