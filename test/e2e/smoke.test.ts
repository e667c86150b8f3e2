/**
 * Smoke test of the real-JupyterLab harness: the prebuilt extension loads into
 * JupyterLab 4, its Submit toolbar button (declared in schema/plugin.json)
 * checks the notebook's folder, and a notebook cell runs on a real ipykernel.
 *
 *   npm run build && npm run build:test && node --test build/test/e2e/smoke.test.js
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  HARNESS_NAMES,
  HarnessName,
  IBrowser,
  ILab,
  SUBMIT_BUTTON,
  artifactPath,
  consoleErrors,
  harnessLabel,
  openBrowser,
  openNotebook,
  startLab
} from './harness.js';

const NOTEBOOK = {
  cells: [
    {
      cell_type: 'code',
      execution_count: null,
      id: 'smoke-cell-1',
      metadata: {},
      outputs: [],
      source: []
    }
  ],
  metadata: {
    kernelspec: {
      display_name: 'Python 3',
      language: 'python',
      name: 'python3'
    },
    language_info: { name: 'python' }
  },
  nbformat: 4,
  nbformat_minor: 5
};

// Once per front end: the current JupyterLab and the declared floor (4.0.0).
for (const harness of HARNESS_NAMES) {
  describe(`on ${harnessLabel(harness)}`, () => smoke(harness));
}

function smoke(harness: HarnessName): void {
  let rootDir: string;
  let lab: ILab | undefined;
  let browser: IBrowser | undefined;

  before(async () => {
    rootDir = mkdtempSync(join(tmpdir(), 'snapshot-guard-smoke-'));
    writeFileSync(join(rootDir, 'smoke.ipynb'), JSON.stringify(NOTEBOOK));
    lab = await startLab({ rootDir, harness });
    browser = await openBrowser();
  });

  after(async () => {
    await browser?.close();
    await lab?.stop();
    rmSync(rootDir, { recursive: true, force: true });
  });

  test('notebook opens with the Submit button and runs a cell', async t => {
    const { page } = browser!;
    const errors = consoleErrors(page);
    try {
      await openNotebook(page, lab!, 'smoke.ipynb');

      const panel = page.locator('.jp-NotebookPanel:visible');
      await panel.waitFor();

      // The extension is loaded: its plugin is registered and the toolbar item
      // declared in schema/plugin.json is rendered.
      const hasPlugin = await page.evaluate(() =>
        (window as any).jupyterapp.hasPlugin('jupyterlab-snapshot-guard:plugin')
      );
      assert.equal(hasPlugin, true, 'plugin registered');
      const button = panel.locator(SUBMIT_BUTTON);
      await button.waitFor({ timeout: 10_000 });
      // Its label (the element with our class holds it in every version).
      const label = panel.locator(
        '.jp-NotebookPanel-toolbar .jp-SnapshotGuard-submitButton'
      );
      assert.equal((await label.textContent())?.trim(), 'Submit');
      await button.waitFor({ timeout: 10_000 });

      // A cell runs on the real kernel.
      await panel.locator('.jp-Cell .cm-content').first().click();
      await page.keyboard.type('print(1+1)');
      await page.keyboard.press('Shift+Enter');
      const output = panel.locator('.jp-OutputArea-output').first();
      await output.waitFor({ timeout: 30_000 });
      assert.equal((await output.textContent())?.trim(), '2');

      // Clicking the button runs the real guard on the notebook's small
      // folder: the OK notification with its numbers, then the Submit dialog.
      await button.click();
      const ok = page.locator('.Toastify__toast--success .jp-toast-message', {
        hasText: /^Snapshot OK: \d+ files?, .+ of 300 MB$/
      });
      await ok.first().waitFor({ timeout: 30_000 });
      const submit = page.locator('.jp-Dialog.jp-SnapshotGuard-submitDialog');
      await submit.waitFor({ timeout: 10_000 });
      await submit
        .locator('.jp-Dialog-footer')
        .getByRole('button', { name: 'Cancel', exact: true })
        .click();
      await submit.waitFor({ state: 'detached' });
      await page.screenshot({
        path: artifactPath(`smoke-${harness}.png`)
      });
      assert.deepEqual(errors, [], 'no console errors');
    } catch (err) {
      await page
        .screenshot({
          path: artifactPath(`smoke-${harness}-failure.png`)
        })
        .catch(() => undefined);
      t.diagnostic(`server log (tail):\n${lab!.log().slice(-4000)}`);
      t.diagnostic(`console errors:\n${errors.join('\n')}`);
      throw err;
    }
  });
}
