/**
 * Shared pieces of the Submit end-to-end tests (issue 4): a JupyterLab
 * server per `describe` block, one browser per test file, a fresh folder per
 * test, and helpers for the Submit dialog, toasts and error dialogs.
 *
 *   const browser = useBrowser();
 *   describe('…', () => {
 *     const s = useSubmitLab(browser, 'name', { settings: { … } });
 *     test('…', t => s.run(t, async () => { … }));
 *   });
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, type TestContext } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import {
  IBrowser,
  ILab,
  ILabOptions,
  REPO_ROOT,
  SUBMIT_BUTTON,
  artifactPath,
  consoleErrors,
  openBrowser,
  openLab,
  openNotebook,
  startLab
} from './harness.js';

// The on-disk helpers are the guard scenarios' own.
export {
  MiB,
  referenceCheck,
  sparse,
  writeFiles,
  writeNotebook
} from './scenario.js';

export const PLUGIN = 'jupyterlab-snapshot-guard:plugin';
/** The test doubles of the Azure ML SDKs (see its README.md). */
export const AZURE_DOUBLE = join(REPO_ROOT, 'test', 'fixtures', 'azure-double');

// -- on disk ----------------------------------------------------------------

/** Deterministic bytes that do not compress. */
export function noise(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed * 2654435761 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 255;
  }
  return out;
}

/** `unzip -t` passes and `unzip -Z1` lists these entries. */
export function unzipCheck(zip: string): string[] {
  const env = { ...process.env, LC_ALL: 'C.UTF-8' };
  const test = spawnSync('unzip', ['-t', zip], { encoding: 'utf8', env });
  assert.equal(
    test.status,
    0,
    `unzip -t failed:\n${test.stdout}${test.stderr}`
  );
  const list = spawnSync('unzip', ['-Z1', zip], { encoding: 'utf8', env });
  assert.equal(list.status, 0, `unzip -Z1 failed: ${list.stderr}`);
  return list.stdout.split('\n').filter(l => l !== '');
}

/** Names in `dir` (not recursive), dotfiles included. */
export function namesIn(dir: string): string[] {
  return readdirSync(dir).sort();
}

// -- one browser per file, one server per describe block --------------------

export interface ISharedBrowser {
  readonly browser: IBrowser;
  readonly page: Page;
  /** Console errors since the browser started (harmless noise filtered). */
  readonly errors: string[];
  /** Native dialogs (alert, confirm, prompt) the page opened. */
  readonly nativeDialogs: string[];
}

/** One Chromium for the whole test file. */
export function useBrowser(): ISharedBrowser {
  let browser: IBrowser | undefined;
  let errors: string[] = [];
  const nativeDialogs: string[] = [];
  before(async () => {
    browser = await openBrowser({ viewport: { width: 1280, height: 900 } });
    errors = consoleErrors(browser.page);
    browser.page.on('dialog', d => {
      nativeDialogs.push(`${d.type()}: ${d.message()}`);
      void d.dismiss().catch(() => undefined);
    });
  });
  after(async () => {
    await browser?.close();
  });
  return {
    get browser() {
      return browser!;
    },
    get page() {
      return browser!.page;
    },
    get errors() {
      return errors;
    },
    nativeDialogs
  };
}

export type ToastType =
  'success' | 'error' | 'warning' | 'info' | 'in-progress';

export interface ISubmitLab {
  readonly root: string;
  readonly lab: ILab;
  readonly page: Page;
  /** A fresh, empty subfolder of the root. */
  folder(rel: string): string;
  /** Open a notebook (root-relative) and wait for its kernel. */
  open(path: string): Promise<void>;
  /** The Submit button in the toolbar of `path`'s panel. */
  submitButton(path: string): Promise<Locator>;
  /** The Submit dialog (waits for it). */
  submitDialog(options?: { timeoutMs?: number }): Promise<Locator>;
  /** Pick a target in the open Submit dialog by its label. */
  chooseTarget(dialog: Locator, label: string): Promise<void>;
  /** The input or select of a field in the Submit dialog. */
  field(dialog: Locator, id: string): Locator;
  /** A JupyterLab dialog whose title matches (waits for it). */
  dialogTitled(
    title: RegExp,
    options?: { timeoutMs?: number }
  ): Promise<Locator>;
  /** Wait for a toast of this type whose text matches; its locator. */
  toast(
    type: ToastType,
    text: RegExp,
    options?: { timeoutMs?: number }
  ): Promise<Locator>;
  /** Close every toast. */
  clearToasts(): Promise<void>;
  /** The helper kernel's session id and kernel id, if it runs. */
  helperKernel(): Promise<{ session: string; kernel: string } | null>;
  /**
   * Run a test body with failure diagnostics and console checks; console
   * errors matching `expected` are allowed.
   */
  run(
    t: TestContext,
    body: () => Promise<void>,
    expected?: RegExp[]
  ): Promise<void>;
}

/**
 * Start a server on a fresh root for the enclosing `describe` block, and
 * load JupyterLab in the shared browser.
 */
export function useSubmitLab(
  shared: ISharedBrowser,
  name: string,
  options: Omit<ILabOptions, 'rootDir'> = {}
): ISubmitLab {
  let root = '';
  let lab: ILab | undefined;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), `snapshot-guard-${name}-`));
    lab = await startLab({ ...options, rootDir: root });
    await openLab(shared.page, lab);
  });

  after(async () => {
    await lab?.stop();
    if (root) {
      rmSync(root, { recursive: true, force: true });
    }
  });

  const page = () => shared.page;

  const s: ISubmitLab = {
    get root() {
      return root;
    },
    get lab() {
      return lab!;
    },
    get page() {
      return page();
    },

    folder(rel) {
      const dir = join(root, rel);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      return dir;
    },

    async open(path) {
      await openNotebook(page(), lab!, path);
    },

    async submitButton(path) {
      const id = await page().evaluate(p => {
        for (const w of (window as any).jupyterapp.shell.widgets('main')) {
          if (w.context?.path === p) {
            return w.id as string;
          }
        }
        return null;
      }, path);
      assert.ok(id, `no open panel for ${path}`);
      return page().locator(`[id="${id}"] ${SUBMIT_BUTTON}`);
    },

    async submitDialog(dialogOptions = {}) {
      const dialog = page().locator('.jp-Dialog.jp-SnapshotGuard-submitDialog');
      await dialog.waitFor({ timeout: dialogOptions.timeoutMs ?? 30_000 });
      return dialog;
    },

    async chooseTarget(dialog, label) {
      await dialog
        .locator('select.jp-SnapshotGuard-target')
        .selectOption({ label });
    },

    field(dialog, id) {
      return dialog
        .locator(`.jp-SnapshotGuard-field[data-field="${id}"]`)
        .locator('input, select');
    },

    async dialogTitled(title, dialogOptions = {}) {
      const dialog = page()
        .locator('.jp-Dialog')
        .filter({
          has: page().locator('.jp-Dialog-header', { hasText: title })
        });
      await dialog.waitFor({ timeout: dialogOptions.timeoutMs ?? 30_000 });
      return dialog;
    },

    async toast(type, text, toastOptions = {}) {
      // react-toastify's class follows updates (in-progress → success);
      // JupyterLab's own class keeps the type the toast was created with.
      const selector =
        type === 'in-progress'
          ? '.Toastify__toast.jp-Notification-Toast-in-progress'
          : `.Toastify__toast.Toastify__toast--${type}`;
      const toast = page().locator(selector).filter({ hasText: text });
      await toast
        .first()
        .waitFor({ timeout: toastOptions.timeoutMs ?? 30_000 });
      return toast.first();
    },

    async clearToasts() {
      await page().evaluate(() => {
        for (const b of document.querySelectorAll(
          '.Toastify__toast .jp-Notification-Toast-Close'
        )) {
          (b as HTMLElement).click();
        }
      });
      await page()
        .waitForFunction(
          () => document.querySelectorAll('.Toastify__toast').length === 0,
          undefined,
          { timeout: 30_000 }
        )
        .catch(async err => {
          const left = await page()
            .locator('.Toastify__toast')
            .allTextContents()
            .catch(() => []);
          throw new Error(
            `notifications still shown after closing them: ${JSON.stringify(left)} (${err})`
          );
        });
    },

    async helperKernel() {
      const sessions = (await (await lab!.api('/api/sessions')).json()) as {
        id: string;
        name: string;
        kernel: { id: string } | null;
      }[];
      const helper = sessions.find(x => x.name === 'Snapshot Guard helper');
      return helper?.kernel
        ? { session: helper.id, kernel: helper.kernel.id }
        : null;
    },

    async run(t, body, expected = []) {
      const errorsBefore = shared.errors.length;
      try {
        await s.clearToasts();
        await body();
        assert.deepEqual(
          shared.errors
            .slice(errorsBefore)
            .filter(e => !expected.some(re => re.test(e))),
          [],
          'no console errors during the test'
        );
        assert.deepEqual(shared.nativeDialogs, [], 'no alert/confirm/prompt');
      } catch (err) {
        const safe = t.name.replace(/[^\w-]+/g, '-').slice(0, 60);
        await page()
          .screenshot({
            path: artifactPath(`failure-${safe}.png`)
          })
          .catch(() => undefined);
        t.diagnostic(`server log (tail):\n${lab?.log().slice(-3000)}`);
        t.diagnostic(`console errors:\n${shared.errors.join('\n')}`);
        throw err;
      } finally {
        // A clean screen for the next test: no dialog, no notebook.
        await page()
          .evaluate(async () => {
            for (const d of document.querySelectorAll('.jp-Dialog')) {
              (d as HTMLElement).dispatchEvent(
                new KeyboardEvent('keydown', { key: 'Escape', bubbles: true })
              );
            }
            const app = (window as any).jupyterapp;
            for (const w of [...app.shell.widgets('main')]) {
              if (w.sessionContext) {
                const session = w.sessionContext;
                w.context.model.dirty = false;
                w.close();
                await session.shutdown().catch(() => undefined);
              }
            }
          })
          .catch(() => undefined);
      }
    }
  };
  return s;
}

/** Submit `path`'s notebook and wait for the Submit dialog. */
export async function submitAndWait(
  s: ISubmitLab,
  path: string
): Promise<Locator> {
  await (await s.submitButton(path)).click();
  return s.submitDialog();
}

/** The Submit dialog's footer button. */
export function footerButton(dialog: Locator, label: string): Locator {
  return dialog
    .locator('.jp-Dialog-footer')
    .getByRole('button', { name: label, exact: true });
}
