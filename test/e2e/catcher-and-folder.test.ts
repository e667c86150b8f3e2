/**
 * Issue 4 §2 and §3 in a real JupyterLab: the SDK's snapshot error printed by
 * a cell leads to the fixes, and "Check Azure ML snapshot" on a folder in the
 * file browser checks that folder.
 */
import assert from 'node:assert/strict';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  IBrowser,
  ILab,
  consoleErrors,
  openBrowser,
  openLab,
  openNotebook,
  startLab
} from './harness.js';
import { focused } from './scenario.js';

let root: string;
let lab: ILab;
let browser: IBrowser;
let errors: string[] = [];

/** Each test ends with no console error of its own. */
function noConsoleErrors() {
  assert.deepEqual(errors.splice(0), [], 'no console errors during the test');
}

function notebook(source: string): string {
  return JSON.stringify({
    cells: [
      {
        cell_type: 'code',
        execution_count: null,
        id: 'c1',
        metadata: {},
        outputs: [],
        source
      }
    ],
    metadata: {
      kernelspec: {
        display_name: 'Python 3',
        language: 'python',
        name: 'python3'
      }
    },
    nbformat: 4,
    nbformat_minor: 5
  });
}

/** A folder over the 300 MB limit (sparse) with a notebook in it. */
function bigFolder(name: string, nbSource: string) {
  const dir = join(root, name);
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(join(dir, 'data', 'huge.bin'), '');
  truncateSync(join(dir, 'data', 'huge.bin'), 400 * 1024 * 1024);
  writeFileSync(join(dir, 'job.ipynb'), notebook(nbSource));
  return dir;
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'sg-e2e-catcher-'));
  lab = await startLab({ rootDir: root });
  browser = await openBrowser();
  errors = consoleErrors(browser.page);
});

after(async () => {
  await browser?.close();
  await lab?.stop();
  rmSync(root, { recursive: true, force: true });
});

test('the SDK snapshot error printed in a cell offers the fixes for the folder it names', async () => {
  const { page } = browser;
  const dir = bigFolder('catch', '');
  // The real SDK message text (see the snapshot rules spec), printed by a
  // cell as `experiment.submit(...)` would raise it.
  const source = [
    'msg = """',
    '====================================================================',
    '',
    `While attempting to take snapshot of ${dir}`,
    'Your total snapshot size exceeds the limit of 300.0 MB.',
    'Please see http://aka.ms/troubleshooting-code-snapshot on how to work with large snapshots.',
    '',
    '===================================================================="""',
    'raise Exception(msg)'
  ].join('\n');
  writeFileSync(join(dir, 'job.ipynb'), notebook(source));
  await openNotebook(page, lab, 'catch/job.ipynb');
  await page
    .locator('.jp-NotebookPanel:visible .jp-Cell .cm-content')
    .first()
    .click();
  await page.keyboard.press('Shift+Enter');

  const toast = page.locator('.Toastify__toast', {
    hasText: 'Azure ML refused the code snapshot of catch'
  });
  await toast.waitFor({ timeout: 30_000 });
  await toast.getByRole('button', { name: 'Move to a clean folder' }).waitFor();
  await toast.getByRole('button', { name: 'Write .amlignore' }).click();

  // Straight to the .amlignore dialog for that folder, then written to disk.
  const dialog = page.locator('.jp-Dialog .jp-SnapshotGuard-amlignore');
  await dialog.waitFor({ timeout: 30_000 });
  const lines = await dialog
    .locator('.jp-SnapshotGuard-line code')
    .allTextContents();
  assert.ok(lines.includes('/data/'), lines.join(', '));
  await page
    .locator('.jp-Dialog')
    .getByRole('button', { name: 'Write' })
    .click();
  await page
    .locator('.Toastify__toast', { hasText: 'Snapshot OK' })
    .waitFor({ timeout: 30_000 });
  const written = readFileSync(join(dir, '.amlignore'), 'utf8');
  assert.match(written, /^\/data\/$/m);
  noConsoleErrors();
});

test('"Check Azure ML snapshot" on a folder in the file browser checks that folder', async () => {
  const { page } = browser;
  bigFolder('step-one', 'print(1)');
  mkdirSync(join(root, 'step-two'));
  writeFileSync(join(root, 'step-two', 'train.py'), 'print(2)\n');
  await openLab(page, lab);
  const item = page.locator('.jp-DirListing-item[data-isdir="true"]', {
    hasText: 'step-one'
  });
  await item.waitFor({ timeout: 30_000 });
  await item.click({ button: 'right' });
  await page
    .locator('.lm-Menu-item', { hasText: 'Check Azure ML snapshot' })
    .click();

  const report = page.locator('.jp-Dialog .jp-SnapshotGuard-report');
  await report.waitFor({ timeout: 30_000 });
  const headline = await report
    .locator('.jp-SnapshotGuard-headline')
    .textContent();
  assert.match(headline ?? '', /400 MB in 2 files/);
  // A folder has no notebook to move: only the .amlignore fix is offered.
  const buttons = await page
    .locator('.jp-Dialog-footer button')
    .allTextContents();
  assert.ok(!buttons.some(b => /clean folder/i.test(b)), buttons.join(', '));
  // Keys reach the dialog only once it has the focus (a restored notebook
  // and its status-bar meter may still be loading).
  await focused(page.locator('.jp-Dialog'));
  await page.keyboard.press('Escape');
  await report.waitFor({ state: 'detached' });

  const small = page.locator('.jp-DirListing-item[data-isdir="true"]', {
    hasText: 'step-two'
  });
  await small.click({ button: 'right' });
  await page
    .locator('.lm-Menu-item', { hasText: 'Check Azure ML snapshot' })
    .click();
  await page
    .locator('.Toastify__toast', { hasText: 'Snapshot OK: 1 file' })
    .waitFor({ timeout: 30_000 });
  noConsoleErrors();
});
