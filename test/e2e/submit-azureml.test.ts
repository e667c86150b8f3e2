/**
 * The "Azure ML job" submit target end to end (issue 4), in a real
 * JupyterLab and Chromium, with the helper kernel doing the submission.
 *
 * Azure cannot be reached from here. The helper kernel therefore imports
 * TEST DOUBLES of the unreachable service's SDKs (`azure.ai.ml`,
 * `azure.identity` and `azureml.core`, in test/fixtures/azure-double/, put on
 * the kernel's PYTHONPATH through the server's environment). They record
 * every call to a JSON-lines file, which these tests read: the code folder,
 * the command, the compute, and the `.amlignore` present at submission. A
 * `double` entry in config.json makes them fail like the service would
 * (unknown compute, sign-in failure). "SDK missing" is tested without the
 * doubles, in submit-flow.test.ts.
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
  PLUGIN,
  submitAndWait,
  useBrowser,
  useLab,
  writeFiles,
  writeNotebook,
  type IScenario
} from './scenario.js';

const shared = useBrowser();

interface IRecord {
  call: string;
  ok?: boolean;
  error?: string;
  sdk?: string;
  code?: string;
  command?: string;
  compute?: string | null;
  environment?: string | null;
  experiment?: string;
  display_name?: string;
  amlignore?: string | null;
  name?: string;
  studio_url?: string;
  path?: string;
  found?: string | null;
}

function recorder(name: string) {
  // A folder of its own: no name another run (or user) could hold.
  const file = join(
    mkdtempSync(join(tmpdir(), 'snapshot-guard-azure-')),
    `${name}.jsonl`
  );
  return {
    file,
    read(): IRecord[] {
      if (!existsSync(file)) {
        return [];
      }
      return readFileSync(file, 'utf8')
        .split('\n')
        .filter(l => l !== '')
        .map(l => JSON.parse(l) as IRecord);
    },
    clear() {
      rmSync(file, { force: true });
    },
    dispose() {
      rmSync(dirname(file), { recursive: true, force: true });
    }
  };
}

const CONFIG = {
  subscription_id: '00000000-0000-0000-0000-000000000000',
  resource_group: 'rg-test',
  workspace_name: 'ws-test'
};

function config(dir: string, double?: Record<string, unknown>): void {
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify(double ? { ...CONFIG, double } : CONFIG)
  );
}

/** Azure ML studio is unreachable too: answer its pages locally. */
async function studioOffline(s: IScenario): Promise<void> {
  await s.page
    .context()
    .route('https://ml.azure.com/**', route =>
      route.fulfill({ contentType: 'text/html', body: '<title>studio</title>' })
    );
}

/** Submit in the open dialog and wait for it to close. */
async function confirm(dialog: import('playwright-core').Locator) {
  await dialogButton(dialog, 'Submit').click();
  await dialog.waitFor({ state: 'detached', timeout: 10_000 });
}

/** The error dialog of a failed submission: its text; closes it. */
async function errorText(s: IScenario, title: RegExp): Promise<string> {
  const dialog = await s.dialogTitled(title);
  const text = (await dialog.locator('.jp-Dialog-body').textContent()) ?? '';
  await dialogButton(dialog, 'Close').click();
  await dialog.waitFor({ state: 'detached' });
  return text;
}

describe('SDK v1 (profile azureml-v1, the default)', () => {
  const rec = recorder('v1');
  after(() => rec.dispose());
  const s = useLab('azure-v1', {
    browser: shared,
    lab: {
      env: { PYTHONPATH: AZURE_DOUBLE, AZURE_DOUBLE_RECORD: rec.file },
      // Low enough that a small folder is over it and the guard writes .amlignore.
      settings: { [PLUGIN]: { maxFiles: 30 } }
    }
  });

  test('guard writes .amlignore, then ScriptRunConfig + Experiment.submit get the folder', t =>
    s.run(t, async () => {
      rec.clear();
      const dir = s.folder('v1-job');
      config(dir);
      writeNotebook(join(dir, 'train model.ipynb'));
      const data: Record<string, string> = {};
      for (let i = 0; i < 40; i++) {
        data[`data/part-${i}.csv`] = `a,b\n${i},${i}\n`;
      }
      writeFiles(dir, { ...data, 'utils.py': 'X = 1\n' });
      await s.open('v1-job/train model.ipynb');
      await (await s.submitButton('v1-job/train model.ipynb')).click();

      // The guard: over 30 files; write the proposed .amlignore.
      const report = s.page.locator('.jp-Dialog.jp-SnapshotGuard-reportDialog');
      await report.waitFor({ timeout: 30_000 });
      await dialogButton(report, 'Write .amlignore…').click();
      const amlignore = s.page.locator(
        '.jp-Dialog.jp-SnapshotGuard-amlignoreDialog'
      );
      await amlignore.waitFor();
      await dialogButton(amlignore, 'Write').click();

      const dialog = await s.submitDialog();
      const text = (await dialog.textContent()) ?? '';
      assert.match(text, /SDK v1 \(azureml-core/, 'says which SDK');
      assert.match(text, /Rules from \.amlignore/, 'final numbers use it');
      assert.equal(
        await dialog.locator('select.jp-SnapshotGuard-target').inputValue(),
        'azureml',
        'Azure ML is the default target'
      );
      assert.equal(
        await s.field(dialog, 'command').inputValue(),
        "papermill 'train model.ipynb' outputs/'train model.ipynb'",
        'the default command, the name quoted for the shell'
      );
      assert.equal(
        await s.field(dialog, 'experiment').inputValue(),
        'train-model'
      );
      // The job's data comes from the snapshot unless data assets are
      // chosen: only then does the inputs field show.
      assert.equal(await s.field(dialog, 'data').inputValue(), 'none');
      assert.equal(await s.field(dialog, 'inputs').count(), 0);
      await s.field(dialog, 'data').selectOption('assets');
      await s.field(dialog, 'inputs').waitFor();
      await s.field(dialog, 'data').selectOption('none');
      await s.field(dialog, 'inputs').waitFor({ state: 'detached' });
      // Compute is required with SDK v1: Submit pressed without it says so
      // and waits for it.
      await dialogButton(dialog, 'Submit').click();
      await dialog
        .locator('.jp-SnapshotGuard-problem', { hasText: 'Enter Compute.' })
        .waitFor();
      assert.equal(await dialogButton(dialog, 'Submit').isDisabled(), true);
      await s.field(dialog, 'compute').fill('cpu-cluster');
      await s.field(dialog, 'environment').fill('sklearn-env:3');
      await confirm(dialog);

      const toast = await s.toastElement(
        'success',
        /Azure ML job \S+ submitted/
      );
      const records = rec.read();
      const submitted = records.find(r => r.call === 'Experiment.submit');
      assert.ok(
        submitted,
        `Experiment.submit recorded: ${JSON.stringify(records)}`
      );
      assert.equal(submitted.ok, true);
      assert.equal(submitted.code, dir, 'code = the checked folder');
      assert.equal(
        submitted.command,
        "papermill 'train model.ipynb' outputs/'train model.ipynb'"
      );
      assert.equal(submitted.compute, 'cpu-cluster');
      assert.equal(submitted.environment, 'sklearn-env');
      assert.equal(submitted.experiment, 'train-model');
      const shown = records.filter(r => r.call === 'Run.display_name');
      assert.deepEqual(
        shown.map(r => [r.name, r.display_name]),
        [[submitted.name, 'train model.ipynb']],
        'the run shows the notebook as its display name'
      );
      assert.equal(
        submitted.amlignore,
        readFileSync(join(dir, '.amlignore'), 'utf8'),
        'the .amlignore the guard wrote is in place at submission'
      );
      assert.match(submitted.amlignore!, /^\/?data\/$/m);
      const env = records.find(r => r.call === 'Environment.get') as any;
      assert.deepEqual([env.name, env.version], ['sklearn-env', '3']);
      assert.equal(
        records.find(r => r.call === 'Workspace.from_config')?.found,
        join(dir, 'config.json')
      );
      assert.match(
        (await toast.textContent()) ?? '',
        new RegExp(submitted.name!)
      );

      // "Open in Azure ML studio" opens the job's page.
      await studioOffline(s);
      const [popup] = await Promise.all([
        s.page.context().waitForEvent('page'),
        toast.getByRole('button', { name: 'Open in Azure ML studio' }).click()
      ]);
      assert.equal(popup.url(), submitted.studio_url);
      await popup.close();

      // The values are remembered for this notebook.
      await s.clearToasts();
      const again = await submitAndWait(s, 'v1-job/train model.ipynb');
      assert.equal(await s.field(again, 'compute').inputValue(), 'cpu-cluster');
      assert.equal(
        await s.field(again, 'environment').inputValue(),
        'sklearn-env:3'
      );
      await dialogButton(again, 'Cancel').click();
    }));

  test('SDK errors are readable: unknown compute, no config.json, sign-in', t =>
    s.run(t, async () => {
      rec.clear();
      const dir = s.folder('v1-errors');
      config(dir, { computes: ['cpu-cluster', 'gpu-small'] });
      writeNotebook(join(dir, 'nb.ipynb'));
      await s.open('v1-errors/nb.ipynb');

      let dialog = await submitAndWait(s, 'v1-errors/nb.ipynb');
      await s.field(dialog, 'compute').fill('gpu-large');
      await confirm(dialog);
      let text = await errorText(s, /Azure ML job not submitted/);
      assert.match(text, /no compute named 'gpu-large'/);
      assert.match(text, /cpu-cluster, gpu-small/, 'lists the computes');
      // The SDK's class and text are under Details.
      assert.match(
        text,
        /azureml\.exceptions\._azureml_exception\.ExperimentExecutionException: .*gpu-large/
      );
      assert.equal(
        rec.read().find(r => r.call === 'Experiment.submit')?.error,
        'compute'
      );

      rmSync(join(dir, 'config.json'));
      dialog = await submitAndWait(s, 'v1-errors/nb.ipynb');
      assert.equal(await s.field(dialog, 'compute').inputValue(), 'gpu-large');
      await s.field(dialog, 'compute').fill('cpu-cluster');
      await confirm(dialog);
      text = await errorText(s, /Azure ML job not submitted/);
      assert.match(text, /config\.json was found neither in 'v1-errors'/);

      config(dir, { auth: 'fail' });
      dialog = await submitAndWait(s, 'v1-errors/nb.ipynb');
      await confirm(dialog);
      text = await errorText(s, /Azure ML job not submitted/);
      assert.match(text, /Azure sign-in failed/);
      assert.match(text, /az login/);
      assert.match(
        text,
        /azureml\.exceptions\._azureml_exception\.AuthenticationException: /
      );
    }));
});

describe('SDK v2 (profile azureml-v2)', () => {
  const rec = recorder('v2');
  after(() => rec.dispose());
  const s = useLab('azure-v2', {
    browser: shared,
    lab: {
      env: { PYTHONPATH: AZURE_DOUBLE, AZURE_DOUBLE_RECORD: rec.file },
      settings: {
        [PLUGIN]: {
          profile: 'azureml-v2',
          azuremlCompute: 'cpu-cluster',
          azuremlEnvironment: 'azureml:sklearn-env@latest',
          azuremlExperiment: 'nightly'
        }
      }
    }
  });

  test('MLClient.from_config + command + jobs.create_or_update get the folder', t =>
    s.run(t, async () => {
      rec.clear();
      const dir = s.folder('v2-job');
      config(dir);
      writeNotebook(join(dir, 'analysis.ipynb'));
      writeFiles(dir, {
        '.amlignore': 'outputs/\n',
        'outputs/old.ipynb': '{}',
        'prep.py': 'print(1)\n'
      });
      await s.open('v2-job/analysis.ipynb');
      const dialog = await submitAndWait(s, 'v2-job/analysis.ipynb');
      assert.match(
        (await dialog.textContent()) ?? '',
        /SDK v2 \(azure-ai-ml/,
        'says which SDK'
      );
      // Defaults from the settings.
      assert.equal(
        await s.field(dialog, 'compute').inputValue(),
        'cpu-cluster'
      );
      assert.equal(await s.field(dialog, 'experiment').inputValue(), 'nightly');
      await s
        .field(dialog, 'command')
        .fill('papermill analysis.ipynb outputs/analysis.ipynb -p alpha 0.1');
      await confirm(dialog);

      const toast = await s.toastElement(
        'success',
        /Azure ML job \S+ submitted/
      );
      const records = rec.read();
      const created = records.find(r => r.call === 'jobs.create_or_update');
      assert.ok(created, JSON.stringify(records));
      assert.equal(created.ok, true);
      assert.equal(created.code, dir, 'code = the checked folder');
      assert.equal(
        created.command,
        'papermill analysis.ipynb outputs/analysis.ipynb -p alpha 0.1'
      );
      assert.equal(created.compute, 'cpu-cluster');
      assert.equal(created.environment, 'azureml:sklearn-env@latest');
      assert.equal(created.experiment, 'nightly');
      assert.equal(created.display_name, 'analysis.ipynb');
      assert.equal(created.amlignore, 'outputs/\n');
      assert.ok(records.some(r => r.call === 'DefaultAzureCredential'));
      assert.equal(
        records.find(r => r.call === 'MLClient.from_config')?.path,
        dir
      );
      assert.match(
        (await toast.textContent()) ?? '',
        new RegExp(created.name!)
      );
      await studioOffline(s);
      const [popup] = await Promise.all([
        s.page.context().waitForEvent('page'),
        toast.getByRole('button', { name: 'Open in Azure ML studio' }).click()
      ]);
      assert.equal(popup.url(), created.studio_url);
      await popup.close();
    }));

  test('sign-in failure, no network and unknown compute are readable', t =>
    s.run(t, async () => {
      rec.clear();
      const dir = s.folder('v2-errors');
      config(dir, { auth: 'fail' });
      writeNotebook(join(dir, 'nb.ipynb'));
      await s.open('v2-errors/nb.ipynb');
      let dialog = await submitAndWait(s, 'v2-errors/nb.ipynb');
      await confirm(dialog);
      let text = await errorText(s, /Azure ML job not submitted/);
      assert.match(text, /Azure sign-in failed: DefaultAzureCredential failed/);
      assert.match(text, /managed identity/);
      assert.match(
        text,
        /azure\.core\.exceptions\.ClientAuthenticationError: /
      );

      // No network: azure-core's ServiceRequestError, by its class (its
      // text here names nothing).
      config(dir, {
        raise: { class: 'azure.core.exceptions.ServiceRequestError' }
      });
      dialog = await submitAndWait(s, 'v2-errors/nb.ipynb');
      await confirm(dialog);
      text = await errorText(s, /Azure ML job not submitted/);
      assert.match(
        text,
        /^Azure ML could not be reached from the server: double: ServiceRequestError Check its network/
      );
      assert.match(
        text,
        /azure\.core\.exceptions\.ServiceRequestError: double: ServiceRequestError/
      );

      config(dir);
      dialog = await submitAndWait(s, 'v2-errors/nb.ipynb');
      await s.field(dialog, 'compute').fill('no-such-cluster');
      await confirm(dialog);
      text = await errorText(s, /Azure ML job not submitted/);
      assert.match(text, /no compute named 'no-such-cluster'/);
    }));
});
