/**
 * The helper kernel killed (SIGKILL) at one step of each flow: the check,
 * the .amlignore write, the "Move to a clean folder" copy, the archive and
 * the Azure ML submission. The kill lands at a known point: the helper
 * pauses there when the test opens a gate (SNAPSHOT_GUARD_TEST_PAUSE, see
 * `_pause` in src/kernel/helper/common.py) and says so with its pid; no timing is involved.
 * Each time the folder is left as it was or completed, the message says
 * which, and the next Submit works (on a new helper kernel).
 */
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Locator } from 'playwright-core';
import { openLab } from './harness.js';
import {
  atGate,
  AZURE_DOUBLE,
  checkText,
  dialogButton,
  formatBytes,
  noise,
  PLUGIN,
  recordToasts,
  referenceCheck,
  reportNumbers,
  smallFiles,
  submitAndWait,
  treeHashes,
  useBrowser,
  useLab,
  writeFiles,
  writeNotebook,
  type IScenario
} from './scenario.js';

const shared = useBrowser();
const gates = mkdtempSync(join(tmpdir(), 'snapshot-guard-gates-'));
const azureRecord = join(gates, 'azure.jsonl');
after(() => rmSync(gates, { recursive: true, force: true }));

/** SIGKILL the helper once it stands at `step` (see atGate). */
function killAt(step: string, start: () => Promise<void>): Promise<void> {
  return atGate(gates, step, start, pid => {
    process.kill(pid, 'SIGKILL');
  });
}

/** The error dialog: its text, then closed. */
async function errorText(s: IScenario, title: RegExp): Promise<string> {
  const dialog = await s.dialogTitled(title, { timeoutMs: 120_000 });
  const text = (await dialog.locator('.jp-Dialog-body').textContent()) ?? '';
  await dialogButton(dialog, 'Close').click();
  await dialog.waitFor({ state: 'detached' });
  return text;
}

/** A guard dialog by its class (waits for it). */
async function guardDialog(s: IScenario, cls: string): Promise<Locator> {
  const dialog = s.page.locator(`.jp-Dialog.${cls}`);
  await dialog.waitFor({ timeout: 60_000 });
  return dialog;
}

async function cancelSubmit(s: IScenario): Promise<void> {
  const dialog = await s.submitDialog({ timeoutMs: 60_000 });
  await dialogButton(dialog, 'Cancel').click();
  await dialog.waitFor({ state: 'detached' });
}

/** The tree without what JupyterLab itself writes (the notebook's save). */
function userFiles(dir: string): Map<string, string> {
  const all = treeHashes(dir);
  for (const k of [...all.keys()]) {
    if (k === 'nb.ipynb' || k.startsWith('.ipynb_checkpoints')) {
      all.delete(k);
    }
  }
  return all;
}

const AMLIGNORE = '.ipynb_checkpoints/\n';

/** `n` small files under `dir/data/`. */
function data(dir: string, n: number): void {
  const files: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    files[`data/f${i}.csv`] = `${i}\n`;
  }
  writeFiles(dir, files);
}

describe('the helper kernel killed at each step of each flow', () => {
  const s = useLab('kill', {
    browser: shared,
    lab: {
      env: {
        SNAPSHOT_GUARD_TEST_PAUSE: gates,
        // Azure ML itself is a test double (test/fixtures/azure-double).
        PYTHONPATH: AZURE_DOUBLE,
        AZURE_DOUBLE_RECORD: azureRecord
      },
      settings: { [PLUGIN]: { profile: 'azureml-v1', maxFiles: 100 } }
    }
  });

  test('check: an error, the folder as it was; the next Submit checks it', t =>
    s.run(t, async () => {
      const dir = s.folder('k-check');
      writeNotebook(join(dir, 'nb.ipynb'));
      // The walk reports progress after 1000 files, and pauses there.
      writeFiles(dir, { '.amlignore': 'data/\n' });
      data(dir, 1200);
      await s.open('k-check/nb.ipynb');
      const before = userFiles(dir);
      await killAt('walk', async () =>
        (await s.submitButton('k-check/nb.ipynb')).click()
      );
      await s.toast(
        'error',
        /^The snapshot of k-check could not be checked: The helper kernel stopped/,
        { timeoutMs: 120_000 }
      );
      assert.deepEqual(userFiles(dir), before);
      await s.clearToasts();
      await submitAndWait(s, 'k-check/nb.ipynb');
      await cancelSubmit(s);
    }));

  // The walk streams its listing and pauses after its first chunk, the
  // root's alone: 150 files there cross the limit (100) at once. With an
  // .amlignore too, which shuts data/ (a negation inside it never reached
  // by v1) and leaves files out by name: the page has read it and applied
  // it to what came so far.
  for (const [name, amlignore] of [
    ['no ignore file', null],
    ['an .amlignore', 'data/\n!data/f1.csv\n*.log\n!keep.log\n']
  ] as const) {
    const slug = amlignore === null ? 'k-over' : 'k-over-ignore';
    test(`over the file limit while the walk still runs, ${name}: Cancel then; the next check is exact`, t =>
      s.run(t, async () => {
        const dir = s.folder(slug);
        writeNotebook(join(dir, 'nb.ipynb'));
        const root: Record<string, string> = {};
        for (let i = 0; i < 150; i++) {
          root[`m${i}.py`] = `${i}\n`;
          root[`x${i}.log`] = '';
        }
        root['keep.log'] = '';
        if (amlignore !== null) {
          root['.amlignore'] = amlignore;
        }
        writeFiles(dir, root);
        data(dir, 1200);
        smallFiles(dir, 1200, 1200);
        await s.open(`${slug}/nb.ipynb`);
        const gate = join(gates, 'walk');
        writeFileSync(gate, '');
        try {
          await (await s.submitButton(`${slug}/nb.ipynb`)).click();
          const text = await s.toast(
            'in-progress',
            new RegExp(
              `^The snapshot of ${slug} is over the limit of 100 files: [\\d,]+ files seen; counting the rest…$`
            ),
            { timeoutMs: 120_000 }
          );
          // Said while the walk stands at its gate, before it has seen all.
          assert.ok(existsSync(`${gate}.paused`), 'the walk is not paused');
          const seen = Number(
            /: ([\d,]+) files seen/.exec(text)![1].replace(/,/g, '')
          );
          const all = referenceCheck(dir).fileCount;
          assert.ok(seen > 100 && seen < all, `${seen} files seen of ${all}`);
          await s.page
            .locator('.Toastify__toast', {
              hasText: 'over the limit of 100 files'
            })
            .getByRole('button', { name: 'Cancel' })
            .click();
          await s.toast(
            'info',
            new RegExp(`^The check of ${slug} was cancelled\\.$`)
          );
          assert.ok(
            existsSync(`${gate}.paused`),
            'the walk went on before Cancel'
          );
        } finally {
          rmSync(gate, { force: true });
          rmSync(`${gate}.paused`, { force: true });
        }
        await s.clearToasts();
        await (await s.submitButton(`${slug}/nb.ipynb`)).click();
        const report = await guardDialog(s, 'jp-SnapshotGuard-reportDialog');
        const ref = referenceCheck(dir);
        const numbers = await reportNumbers(report);
        assert.equal(numbers.files, ref.fileCount);
        assert.equal(numbers.bytes, ref.totalBytes);
        await dialogButton(report, 'Cancel').click();
        await report.waitFor({ state: 'detached' });
      }));
  }

  test('.amlignore write: "left as it was", nothing left; the next Submit writes it', t =>
    s.run(t, async () => {
      const dir = s.folder('k-write');
      writeNotebook(join(dir, 'nb.ipynb'));
      data(dir, 150);
      await s.open('k-write/nb.ipynb');
      const before = userFiles(dir);
      const write = async () => {
        const report = await guardDialog(s, 'jp-SnapshotGuard-reportDialog');
        await dialogButton(report, 'Write .amlignore…').click();
        const dialog = await guardDialog(s, 'jp-SnapshotGuard-amlignoreDialog');
        await dialogButton(dialog, 'Write').click();
      };
      await killAt('write', async () => {
        await (await s.submitButton('k-write/nb.ipynb')).click();
        await write();
      });
      const text = await errorText(s, /^Not submitted$/);
      assert.match(
        text,
        /^Writing \.amlignore in k-write failed: .*helper kernel stopped.*\. \.amlignore was left as it was\.$/
      );
      // As it was: no .amlignore, no temporary file.
      assert.deepEqual(userFiles(dir), before);
      await s.clearToasts();
      await (await s.submitButton('k-write/nb.ipynb')).click();
      await write();
      await cancelSubmit(s);
      assert.match(
        readFileSync(join(dir, '.amlignore'), 'utf8'),
        /^\/?data\/$/m
      );
    }));

  test('clean-folder copy: "the copy was removed"; the next Submit copies', t =>
    s.run(t, async () => {
      const dir = s.folder('k-copy');
      writeNotebook(join(dir, 'nb.ipynb'), ['import utils']);
      writeFiles(dir, { 'utils.py': 'X = 1\n' });
      data(dir, 150);
      await s.open('k-copy/nb.ipynb');
      const before = userFiles(dir);
      const copy = async () => {
        const report = await guardDialog(s, 'jp-SnapshotGuard-reportDialog');
        await dialogButton(report, 'Move to a clean folder').click();
        const dialog = await guardDialog(s, 'jp-SnapshotGuard-cleanDialog');
        await dialogButton(dialog, 'Copy').click();
      };
      // Paused after the notebook is copied, before utils.py.
      await killAt('copy', async () => {
        await (await s.submitButton('k-copy/nb.ipynb')).click();
        await copy();
      });
      const text = await errorText(s, /^Not submitted$/);
      assert.match(
        text,
        /^Copying into k-copy\/nb-job failed, and the copy was removed: .*helper kernel stopped/
      );
      assert.deepEqual(userFiles(dir), before, 'no nb-job/ left');
      await s.clearToasts();
      await (await s.submitButton('k-copy/nb.ipynb')).click();
      await copy();
      await cancelSubmit(s);
      assert.deepEqual(
        readdirSync(join(dir, 'nb-job'))
          .filter(n => n !== '.ipynb_checkpoints')
          .sort(),
        ['nb.ipynb', 'utils.py']
      );
    }));

  test('archive: "nothing was saved", no partial zip; the next Submit saves it', t =>
    s.run(t, async () => {
      const dir = s.folder('k-zip');
      const out = s.folder('k-zip-out');
      writeNotebook(join(dir, 'nb.ipynb'));
      writeFiles(dir, { 'model.bin': noise(6 * 1024 * 1024, 3) });
      await s.open('k-zip/nb.ipynb');
      const before = userFiles(dir);
      const archive = async () => {
        const dialog = await submitAndWait(s, 'k-zip/nb.ipynb');
        await s.chooseTarget(dialog, 'Snapshot archive (zip)');
        await s.field(dialog, 'destination').selectOption('server');
        await s.field(dialog, 'serverPath').fill('k-zip-out/snap.zip');
        await dialogButton(dialog, 'Submit').click();
      };
      // Paused after the first chunk of the zip reached the server.
      await killAt('upload', archive);
      const text = await errorText(s, /^Snapshot archive not saved$/);
      assert.match(
        text,
        /helper kernel stopped while packing the snapshot\. The partial zip was discarded and nothing was saved/
      );
      assert.deepEqual(readdirSync(out), [], 'no partial zip');
      assert.deepEqual(userFiles(dir), before);
      await s.clearToasts();
      await archive();
      await s.toast('success', /saved as k-zip-out\/snap\.zip/, {
        timeoutMs: 120_000
      });
      assert.deepEqual(readdirSync(out), ['snap.zip']);
    }));

  test('Azure ML submit: "may or may not have been created"; the next Submit submits', t =>
    s.run(t, async () => {
      const dir = s.folder('k-aml');
      writeNotebook(join(dir, 'nb.ipynb'));
      writeFileSync(
        join(dir, 'config.json'),
        JSON.stringify({
          subscription_id: '00000000-0000-0000-0000-000000000000',
          resource_group: 'rg-test',
          workspace_name: 'ws-test'
        })
      );
      await s.open('k-aml/nb.ipynb');
      const before = userFiles(dir);
      rmSync(azureRecord, { force: true });
      const submit = async () => {
        const dialog = await submitAndWait(s, 'k-aml/nb.ipynb');
        await s.chooseTarget(dialog, 'Azure ML job');
        await s.field(dialog, 'compute').fill('cpu-cluster');
        await dialogButton(dialog, 'Submit').click();
      };
      // Paused just before the SDK is called.
      await killAt('submit', submit);
      const text = await errorText(s, /Azure ML job not submitted/);
      assert.match(
        text,
        /helper kernel stopped while submitting with .*may or may not have been created/
      );
      const calls = () =>
        existsSync(azureRecord)
          ? readFileSync(azureRecord, 'utf8')
              .split('\n')
              .filter(l => l !== '')
              .map(l => JSON.parse(l).call as string)
          : [];
      assert.ok(!calls().includes('Experiment.submit'), calls().join(', '));
      assert.deepEqual(userFiles(dir), before);
      await s.clearToasts();
      await submit();
      await s.toast('success', /Azure ML job \S+ submitted/, {
        timeoutMs: 120_000
      });
      assert.ok(calls().includes('Experiment.submit'), calls().join(', '));
    }));

  test('ten checks in a row while the notebook is edited: right numbers, edits kept, no dialog left', t =>
    s.run(t, async () => {
      const dir = s.folder('k-ten');
      writeNotebook(join(dir, 'nb.ipynb'), ['a = 0']);
      // Sizes by construction: data/ has 20 files of 1000 bytes; bulk/,
      // there in odd rounds, 90 more files of 3000 bytes (over 100 files).
      const files: Record<string, string> = {};
      for (let i = 0; i < 20; i++) {
        files[`data/d${i}.csv`] = 'x'.repeat(1000);
      }
      // JupyterLab's checkpoints left out: their timing is JupyterLab's.
      files['.amlignore'] = AMLIGNORE;
      writeFiles(dir, files);
      await s.open('k-ten/nb.ipynb');
      const panel = s.page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)');
      const editor = panel.locator('.jp-Cell .cm-content').first();
      const typed: string[] = [];
      for (let round = 0; round < 10; round++) {
        const bulk = round % 2 === 1;
        rmSync(join(dir, 'bulk'), { recursive: true, force: true });
        if (bulk) {
          const more: Record<string, string> = {};
          for (let i = 0; i < 90; i++) {
            more[`bulk/b${i}.bin`] = 'y'.repeat(3000);
          }
          writeFiles(dir, more);
        }
        // The user types into the cell, then presses Submit.
        await editor.click();
        await s.page.keyboard.press('Control+End');
        const line = `\nb${round} = ${round}`;
        await s.page.keyboard.type(line);
        typed.push(line.trim());
        await (await s.submitButton('k-ten/nb.ipynb')).click();
        // The guard saves the notebook before checking: its size on disk is
        // what the check measured.
        const expectFiles = 2 + 20 + (bulk ? 90 : 0);
        const expectBytes = () =>
          statSync(join(dir, 'nb.ipynb')).size +
          AMLIGNORE.length +
          20 * 1000 +
          (bulk ? 90 * 3000 : 0);
        if (!bulk) {
          const dialog = await s.submitDialog({ timeoutMs: 60_000 });
          const total =
            (await dialog.locator('.jp-SnapshotGuard-total').textContent()) ??
            '';
          assert.equal(
            total.trim(),
            `${formatBytes(expectBytes())} in ${expectFiles} files: within the limits`,
            `round ${round}`
          );
          await dialogButton(dialog, 'Cancel').click();
          await dialog.waitFor({ state: 'detached' });
        } else {
          const report = await guardDialog(s, 'jp-SnapshotGuard-reportDialog');
          const nums = await reportNumbers(report);
          assert.equal(nums.files, expectFiles, `round ${round}`);
          assert.equal(nums.bytes, expectBytes(), `round ${round}`);
          await dialogButton(report, 'Cancel').click();
          await report.waitFor({ state: 'detached' });
        }
        assert.equal(
          await s.page.locator('.jp-Dialog').count(),
          0,
          `round ${round}: no dialog left`
        );
      }
      // Every edit is in the notebook, on screen and on disk. The save is
      // awaited to its end: the server writes the file in place, so a read
      // during a save can see half of it.
      await s.page.evaluate(() =>
        (window as any).jupyterapp.commands.execute('docmanager:save')
      );
      const source = await s.page.evaluate(() => {
        const w = (window as any).jupyterapp.shell.currentWidget;
        return w.content.model.cells.get(0).sharedModel.getSource() as string;
      });
      assert.deepEqual(
        source.split('\n').map(l => l.trim()),
        ['a = 0', ...typed]
      );
      assert.equal(
        await s.page.evaluate(
          () =>
            (window as any).jupyterapp.shell.currentWidget.context.model.dirty
        ),
        false
      );
      const onDisk = JSON.parse(readFileSync(join(dir, 'nb.ipynb'), 'utf8'));
      assert.equal(
        (onDisk.cells[0].source as string[] | string) instanceof Array
          ? (onDisk.cells[0].source as string[]).join('')
          : onDisk.cells[0].source,
        source
      );
    }));
});

describe('profile auto: "over" early only for the SDK the folder imports', () => {
  const s = useLab('auto', {
    browser: shared,
    lab: {
      env: { SNAPSHOT_GUARD_TEST_PAUSE: gates },
      settings: { [PLUGIN]: { profile: 'auto', maxFiles: 100 } }
    }
  });

  /**
   * 150 files at the root that azureml-core uploads and azure-ai-ml leaves
   * out (its pathspec 0.10 reads `[^0-9]` as `^` or a digit), and a
   * data/ both leave out: over the limit (100) for v1 only.
   */
  function folder(slug: string, imports: string): string {
    const dir = s.folder(slug);
    writeNotebook(join(dir, 'nb.ipynb'), [imports]);
    const root: Record<string, string> = {
      '.amlignore': 'data/\nm[^0-9]*.py\n'
    };
    for (let i = 0; i < 150; i++) {
      root[`m${i}.py`] = `${i}\n`;
    }
    writeFiles(dir, root);
    data(dir, 1200);
    return dir;
  }

  test('a notebook importing azureml.core: "over" while the walk still runs, on the first check', t =>
    s.run(t, async () => {
      folder('auto-v1', 'import azureml.core');
      await s.open('auto-v1/nb.ipynb');
      const gate = join(gates, 'walk');
      writeFileSync(gate, '');
      try {
        await (await s.submitButton('auto-v1/nb.ipynb')).click();
        await s.toast(
          'in-progress',
          /^The snapshot of auto-v1 is over the limit of 100 files: [\d,]+ files seen; counting the rest…$/,
          { timeoutMs: 120_000 }
        );
        assert.ok(existsSync(`${gate}.paused`), 'the walk is not paused');
      } finally {
        rmSync(gate, { force: true });
        rmSync(`${gate}.paused`, { force: true });
      }
      const report = await guardDialog(s, 'jp-SnapshotGuard-reportDialog');
      await dialogButton(report, 'Cancel').click();
      await report.waitFor({ state: 'detached' });
    }));

  test('a notebook that moved to azure.ai.ml: no "over" from the SDK of the last check', t =>
    s.run(t, async () => {
      const dir = folder('auto-v2', 'import azureml.core');
      await s.open('auto-v2/nb.ipynb');
      // The last check decides v1 (over).
      await (await s.submitButton('auto-v2/nb.ipynb')).click();
      const report = await guardDialog(s, 'jp-SnapshotGuard-reportDialog');
      await dialogButton(report, 'Cancel').click();
      await report.waitFor({ state: 'detached' });
      await s.clearToasts();
      writeNotebook(join(dir, 'nb.ipynb'), [
        'from azure.ai.ml import MLClient'
      ]);
      const toasts = await recordToasts(s);
      const gate = join(gates, 'walk');
      writeFileSync(gate, '');
      try {
        await (await s.submitButton('auto-v2/nb.ipynb')).click();
        // Stopped after the root, whose files the page has counted.
        await s.toast(
          'in-progress',
          /^(?:Checking the snapshot of auto-v2: [\d,]+ files seen|The snapshot of auto-v2 is over the limit)/,
          { timeoutMs: 120_000 }
        );
        assert.ok(existsSync(`${gate}.paused`), 'the walk is not paused');
      } finally {
        rmSync(gate, { force: true });
        rmSync(`${gate}.paused`, { force: true });
      }
      // Within v2's limit: straight to the Submit dialog.
      await cancelSubmit(s);
      assert.deepEqual(
        (await toasts()).filter(text => /over the/.test(text)),
        []
      );
    }));
});

describe('a reload while the helper kernel hangs', () => {
  // The old page's `pagehide` deletes its helper's session; the server
  // waits for the hung kernel (up to shutdown_wait_time) before it drops the
  // session, and meanwhile answers the new page's start with it.
  const s = useLab('reload', {
    browser: shared,
    lab: {
      env: { SNAPSHOT_GUARD_TEST_PAUSE: gates },
      args: ['--KernelManager.shutdown_wait_time=15']
    }
  });

  test("the new page's first check starts a new helper and gives its verdict", t => {
    // JupyterLab's own connection to the hung kernel fails once it is gone.
    const expected: RegExp[] = [];
    return s.run(
      t,
      async () => {
        const dir = s.folder('r-check');
        writeNotebook(join(dir, 'nb.ipynb'));
        writeFiles(dir, { '.amlignore': 'data/\n' });
        data(dir, 1200);
        await s.open('r-check/nb.ipynb');
        let hung = 0;
        await atGate(
          gates,
          'walk',
          async () => (await s.submitButton('r-check/nb.ipynb')).click(),
          pid => {
            process.kill(pid, 'SIGSTOP');
            hung = pid;
          }
        );
        const old = await s.helperKernel();
        assert.ok(old);
        expected.push(
          new RegExp(`/api/kernels/${old.kernel}/channels\\?.* 404 @`),
          new RegExp(`status of 404 .*/api/kernels/${old.kernel}\\?\\d+$`)
        );
        // Closed first: a notebook left dirty would hold the reload at
        // JupyterLab's "unsaved changes" prompt.
        await s.closeNotebooks();
        await openLab(s.page, s.lab);
        // Still being shut down: the race this test is about is on.
        assert.doesNotThrow(
          () => process.kill(hung, 0),
          'the old kernel is gone'
        );
        void s.page.evaluate(() =>
          (window as any).jupyterapp.commands.execute(
            'snapshot-guard:check-folder',
            { path: 'r-check' }
          )
        );
        const ok = await s.toast('success', /^Snapshot OK/, {
          timeoutMs: 120_000
        });
        assert.equal(ok, checkText(referenceCheck(dir)));
        assert.notEqual((await s.helperKernel())?.kernel, old.kernel);
      },
      expected
    );
  });
});
