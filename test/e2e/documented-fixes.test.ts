/**
 * The documentation's other fixes (issue 8) end to end, in a real
 * JupyterLab and Chromium, with the helper kernel doing the submission.
 *
 * Azure cannot be reached from here: the helper kernel imports the TEST
 * DOUBLES of the unreachable service's SDKs (test/fixtures/azure-double/,
 * on the kernel's PYTHONPATH). They record every call to a JSON-lines file,
 * which these tests read. azureml-core's double checks the snapshot size
 * against SNAPSHOT_MAX_SIZE_BYTES where azureml-core reads it.
 */
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  AZURE_DOUBLE,
  dialogButton,
  MiB,
  PLUGIN,
  sparse,
  useBrowser,
  useLab,
  writeFiles,
  writeNotebook
} from './scenario.js';

const shared = useBrowser();

function recorder(name: string) {
  const file = join(
    mkdtempSync(join(tmpdir(), 'snapshot-guard-fixes-')),
    `${name}.jsonl`
  );
  return {
    file,
    read(): Record<string, any>[] {
      if (!existsSync(file)) {
        return [];
      }
      return readFileSync(file, 'utf8')
        .split('\n')
        .filter(l => l !== '')
        .map(l => JSON.parse(l));
    },
    clear() {
      rmSync(file, { force: true });
    },
    dispose() {
      rmSync(dirname(file), { recursive: true, force: true });
    }
  };
}

const CONFIG = JSON.stringify({
  subscription_id: '00000000-0000-0000-0000-000000000000',
  resource_group: 'rg-test',
  workspace_name: 'ws-test'
});

// One server for every test: starting one is the slow part.
describe('the documentation’s fixes with azureml-core (test doubles)', () => {
  const rec = recorder('fixes');
  after(() => rec.dispose());
  const s = useLab('documented-fixes', {
    browser: shared,
    lab: {
      env: { PYTHONPATH: AZURE_DOUBLE, AZURE_DOUBLE_RECORD: rec.file },
      settings: { [PLUGIN]: { profile: 'azureml-v1', uploadMbps: 40 } }
    }
  });

  test('1,500 files and 400 MB: raised to 600 MB in the dialog, noted, and set for the submission', t =>
    s.run(t, async () => {
      rec.clear();
      const dir = s.folder('big-run');
      writeFileSync(join(dir, 'config.json'), CONFIG);
      writeNotebook(join(dir, 'train.ipynb'));
      // 1,497 data files + notebook + config.json = 1,499, and the
      // checkpoint JupyterLab writes on opening: 1,500 files, 400 MiB.
      const each = Math.floor((400 * MiB) / 1497);
      for (let i = 0; i < 1497; i++) {
        sparse(join(dir, 'data', `d${i % 10}`, `part-${i}.bin`), each);
      }
      await s.open('big-run/train.ipynb');
      await (await s.submitButton('big-run/train.ipynb')).click();

      const report = s.page.locator('.jp-Dialog.jp-SnapshotGuard-reportDialog');
      await report.waitFor({ timeout: 60_000 });
      await dialogButton(report, 'Raise the size limit…').click();

      const raise = await s.dialogTitled(
        /Raise the size limit for this submission/
      );
      const text = (await raise.textContent()) ?? '';
      assert.match(text, /SNAPSHOT_MAX_SIZE_BYTES from 300 MB to 600 MB/);
      // About 400 MiB at 40 Mbit/s (the setting): 3.36e9 bits / 4e7 = 84 s.
      assert.match(text, /Upload4\d\d MB in 1,50\d files/);
      assert.match(text, /about 1 min 2\d s at 40 Mbit\/s/);
      await dialogButton(raise, 'Raise and go on').click();

      await s.toast(
        'warning',
        /Size limit raised to 600 MB for this submission/
      );
      const dialog = await s.submitDialog();
      await s.field(dialog, 'compute').fill('cpu-cluster');
      await dialogButton(dialog, 'Submit').click();
      await dialog.waitFor({ state: 'detached', timeout: 10_000 });
      await s.toast('success', /Azure ML job \S+ submitted/, {
        timeoutMs: 60_000
      });

      const submitted = rec.read().filter(r => r.call === 'Experiment.submit');
      assert.equal(submitted.length, 1, JSON.stringify(submitted));
      assert.equal(submitted[0].ok, true);
      assert.equal(submitted[0].code, dir);
      assert.deepEqual(submitted[0].snapshot_max_size_bytes, {
        snapshots_client: 600 * MiB,
        constants: 600 * MiB
      });
      assert.ok(submitted[0].snapshot_size > 300 * MiB);
    }));

  /** A project over the limit with 400 MB of data in data/. */
  function mlProject(name: string, double?: Record<string, unknown>) {
    const dir = s.folder(name);
    writeFileSync(
      join(dir, 'config.json'),
      double ? JSON.stringify({ ...JSON.parse(CONFIG), double }) : CONFIG
    );
    writeNotebook(join(dir, 'train.ipynb'), [
      'import pandas as pd\nDATA_DIR = "data"\ndf = pd.read_csv(DATA_DIR + "/part-0.csv")'
    ]);
    writeFileSync(join(dir, 'model.py'), 'def fit(df):\n    return df\n');
    for (let i = 0; i < 4; i++) {
      sparse(join(dir, 'data', `part-${i}.csv`), 100 * MiB);
    }
    return dir;
  }

  async function reportOf(path: string) {
    await s.open(path);
    await (await s.submitButton(path)).click();
    const report = s.page.locator('.jp-Dialog.jp-SnapshotGuard-reportDialog');
    await report.waitFor({ timeout: 60_000 });
    return report;
  }

  async function datastoreDialog(report: import('playwright-core').Locator) {
    await dialogButton(report, 'Move data to a datastore…').click();
    const dialog = s.page.locator(
      '.jp-Dialog.jp-SnapshotGuard-datastoreDialog'
    );
    await dialog.waitFor();
    return dialog;
  }

  test('move data/ to a datastore: names checked, next version, re-check passes, the job mounts the asset', t =>
    s.run(t, async () => {
      rec.clear();
      const dir = mlProject('ml-project');
      const report = await reportOf('ml-project/train.ipynb');
      const dialog = await datastoreDialog(report);
      const name = dialog.locator('input.jp-SnapshotGuard-assetName');
      const upload = dialogButton(dialog, 'Upload');
      // Bad names are refused in words, and Upload waits.
      await name.fill('my data');
      await dialog
        .locator('.jp-SnapshotGuard-problem', { hasText: 'no spaces' })
        .waitFor();
      assert.equal(await upload.isDisabled(), true);
      await name.fill('x'.repeat(300));
      await dialog
        .locator('.jp-SnapshotGuard-problem', { hasText: 'at most 255' })
        .waitFor();
      assert.equal(await upload.isDisabled(), true);
      await name.fill('train-data');
      await dialog
        .locator('.jp-SnapshotGuard-assetVersion', {
          hasText: 'Version 1 (the next free one)'
        })
        .waitFor();
      const text = (await dialog.textContent()) ?? '';
      assert.match(text, /data\/ 4 files, 400 MB/);
      assert.match(text, /DATA_DIR = "data"/, 'the parameters cell');
      assert.match(text, /as_named_input\("train_data"\)\.as_mount\(\)/);
      await dialog.locator('.jp-SnapshotGuard-addCell input').check();
      await upload.click();

      await s.toast('success', /Uploaded 4 files as data asset train-data:1/, {
        timeoutMs: 60_000
      });
      // The re-check passes: the Submit dialog opens, with the asset wired.
      const submit = await s.submitDialog({ timeoutMs: 60_000 });
      assert.equal(await s.field(submit, 'data').inputValue(), 'assets');
      assert.equal(
        await s.field(submit, 'inputs').inputValue(),
        'train_data=azureml:train-data:1'
      );
      assert.equal(
        await s.field(submit, 'command').inputValue(),
        'papermill train.ipynb outputs/train.ipynb -p DATA_DIR ${{inputs.train_data}}'
      );
      assert.match(
        readFileSync(join(dir, '.amlignore'), 'utf8'),
        /^\/data\/$/m
      );
      await s.field(submit, 'compute').fill('cpu-cluster');
      await dialogButton(submit, 'Submit').click();
      await submit.waitFor({ state: 'detached', timeout: 10_000 });
      await s.toast('success', /Azure ML job \S+ submitted/, {
        timeoutMs: 60_000
      });

      // The parameters cell, added at the top as asked, and saved.
      const nb = JSON.parse(readFileSync(join(dir, 'train.ipynb'), 'utf8'));
      assert.equal(nb.cells.length, 2);
      const first = nb.cells[0];
      const source = Array.isArray(first.source)
        ? first.source.join('')
        : first.source;
      assert.equal(source, '# parameters\nDATA_DIR = "data"\n');
      assert.deepEqual(first.metadata.tags, ['parameters']);
      const calls = rec.read();
      const uploaded = calls
        .filter(c => c.call === 'Datastore.upload_files' && c.ok)
        .flatMap(c => c.files);
      assert.deepEqual(uploaded.sort(), [
        'part-0.csv',
        'part-1.csv',
        'part-2.csv',
        'part-3.csv'
      ]);
      const reg = calls.filter(c => c.call === 'Dataset.register');
      assert.deepEqual(
        reg.map(r => [r.name, r.version]),
        [['train-data', 1]]
      );
      const job = calls.find(c => c.call === 'Experiment.submit');
      assert.equal(job?.ok, true, JSON.stringify(job));
      assert.deepEqual(job!.command.slice(-3), [
        '-p',
        'DATA_DIR',
        'mount(train_data=train-data:1)'
      ]);
      assert.match(job!.amlignore, /^\/data\/$/m);
    }));

  test('an upload cancelled half-way: nothing excluded, no asset registered', t =>
    s.run(t, async () => {
      rec.clear();
      const release = join(dirname(rec.file), 'release');
      const dir = mlProject('held', {
        upload_hold_after: 2,
        upload_release: release
      });
      writeFileSync(join(dir, '.amlignore'), '# mine\n');
      let report = await reportOf('held/train.ipynb');
      const dialog = await datastoreDialog(report);
      await dialog
        .locator('.jp-SnapshotGuard-assetVersion', { hasText: 'Version 1' })
        .waitFor();
      await dialogButton(dialog, 'Upload').click();
      const progress = await s.toastElement('in-progress', /Uploading/);
      // Wait until the double holds the upload half-way, then cancel.
      await waitUntil(() => rec.read().some(c => c.call === 'upload.held'));
      await progress.getByRole('button', { name: 'Cancel' }).click();
      await s.toast('info', /The upload was cancelled/);
      writeFileSync(release, '');
      assert.equal(readFileSync(join(dir, '.amlignore'), 'utf8'), '# mine\n');
      // Back to the report (checked again); leave it.
      report = s.page.locator('.jp-Dialog.jp-SnapshotGuard-reportDialog');
      await report.waitFor({ timeout: 60_000 });
      await dialogButton(report, 'Cancel').click();
      assert.ok(!rec.read().some(c => c.call === 'Dataset.register'));
    }));

  test('an upload while Azure cannot be reached: the SDK error in words, nothing excluded', t =>
    s.run(t, async () => {
      const off = mlProject('offline', { upload: 'offline' });
      let report = await reportOf('offline/train.ipynb');
      const dialog = await datastoreDialog(report);
      await dialog
        .locator('.jp-SnapshotGuard-assetVersion', { hasText: 'Version 1' })
        .waitFor();
      await dialogButton(dialog, 'Upload').click();
      await s.toast(
        'error',
        /The data was not moved to a datastore: Azure could not be reached/,
        { timeoutMs: 60_000 }
      );
      assert.equal(existsSync(join(off, '.amlignore')), false);
      report = s.page.locator('.jp-Dialog.jp-SnapshotGuard-reportDialog');
      await report.waitFor({ timeout: 60_000 });
      await dialogButton(report, 'Cancel').click();
    }));

  test('a pipeline notebook with two step folders, one over: both listed with verdicts, the one over offered a fix', t =>
    s.run(t, async () => {
      const dir = s.folder('pipe');
      writeFileSync(join(dir, 'config.json'), CONFIG);
      // The notebook's own snapshot leaves the steps out: each is its own.
      writeFileSync(join(dir, '.amlignore'), 'steps/\n');
      writeNotebook(join(dir, 'pipeline.ipynb'), [
        'import os\nfrom azureml.pipeline.steps import PythonScriptStep\nbase = "steps"',
        'prep = PythonScriptStep(name="prep", script_name="prep.py", source_directory=os.path.join(base, "prep"))\n' +
          'train = PythonScriptStep(name="train", script_name="train.py", source_directory="./steps/train")\n' +
          'score = PythonScriptStep(name="score", script_name="s.py", source_directory=os.environ["SCORE_DIR"])'
      ]);
      writeFiles(dir, {
        'steps/prep/prep.py': 'print(1)\n',
        'steps/train/train.py': 'print(2)\n'
      });
      sparse(join(dir, 'steps', 'train', 'data.bin'), 400 * MiB);

      const report = await reportOf('pipe/pipeline.ipynb');
      const rows = report.locator('.jp-SnapshotGuard-step');
      await rows.first().waitFor();
      const texts = await rows.allTextContents();
      assert.equal(texts.length, 3, JSON.stringify(texts));
      assert.match(
        texts[0],
        /PythonScriptStep pipe\/steps\/prep .*within the limits/
      );
      assert.match(
        texts[1],
        /PythonScriptStep pipe\/steps\/train 400 MB in 2 files: over the 300 MB limit/
      );
      assert.match(
        texts[2],
        /could not be determined from os\.environ\["SCORE_DIR"\]/
      );
      await dialogButton(report, 'Fix step pipe/steps/train…').click();
      // The same report and fixes, for the step's folder.
      const step = s.page
        .locator('.jp-Dialog.jp-SnapshotGuard-reportDialog')
        .filter({ hasText: 'Code snapshot of pipe/steps/train' });
      await step.waitFor({ timeout: 60_000 });
      assert.equal(
        await dialogButton(step, 'Write .amlignore…').isVisible(),
        true
      );
      await dialogButton(step, 'Cancel').click();
      const again = s.page.locator('.jp-Dialog.jp-SnapshotGuard-reportDialog');
      await again.waitFor({ timeout: 60_000 });
      await dialogButton(again, 'Cancel').click();
    }));
});

/** Wait for a condition on disk, checked every 50 ms (not a fixed sleep). */
async function waitUntil(ok: () => boolean, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) {
      throw new Error('condition not met in time');
    }
    await new Promise(resolve => setTimeout(resolve, 50));
  }
}
