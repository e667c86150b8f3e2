/**
 * The end-to-end tests' fixtures: a JupyterLab server on a fresh root with
 * a browser (one per test file, or one browser shared by the servers of
 * several `describe` blocks), a fresh folder per test, and helpers that
 * read what is on screen (toasts, dialogs, the Submit dialog) and on disk
 * (files, hashes, zips, what the SDK would upload by the independent
 * reference).
 *
 *   const s = useLab('check');            // registers before/after hooks
 *   test('...', t => s.run(t, async () => {
 *     const dir = s.folder('small');       // <root>/small, created
 *     writeNotebook(join(dir, 'nb.ipynb'));
 *     await s.open('small/nb.ipynb');
 *     await s.submit('small/nb.ipynb');
 *     await s.toast('success', /Snapshot OK/);
 *   }));
 *
 *   const browser = useBrowser();          // Submit tests: server per block
 *   describe('…', () => {
 *     const s = useLab('name', { browser, lab: { settings: { … } } });
 *   });
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  truncateSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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
import { formatBytes, formatCount } from '../../src/snapshot/format.js';
import { V1_MAX_BYTES } from '../helpers/reference-check.js';

export { referenceCheck } from '../helpers/reference-check.js';

export const MiB = 1024 * 1024;
export const PLUGIN = 'jupyterlab-snapshot-guard:plugin';
/** The test doubles of the Azure ML SDKs (see its README.md). */
export const AZURE_DOUBLE = join(REPO_ROOT, 'test', 'fixtures', 'azure-double');

// -- on disk ----------------------------------------------------------------

/** A notebook (nbformat 4.5) with these code cells, on the python3 kernel. */
export function notebookJson(
  cells: string[] = ['print(1)'],
  kernel = { name: 'python3', display_name: 'Python 3', language: 'python' }
): string {
  return JSON.stringify(
    {
      cells: cells.map((source, i) => ({
        cell_type: 'code',
        execution_count: null,
        id: `cell-${i}`,
        metadata: {},
        outputs: [],
        source
      })),
      metadata: {
        kernelspec: kernel,
        language_info: { name: kernel.language }
      },
      nbformat: 4,
      nbformat_minor: 5
    },
    null,
    1
  );
}

export function writeNotebook(
  path: string,
  cells?: string[],
  kernel?: { name: string; display_name: string; language: string }
): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, notebookJson(cells, kernel));
}

/** A file of `size` bytes that takes no disk space (a hole). */
export function sparse(path: string, size: number): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, '');
  truncateSync(path, size);
}

/** Write files: `{ 'a/b.txt': 'text' }` under `dir`. */
export function writeFiles(
  dir: string,
  files: Record<string, string | Uint8Array>
): void {
  for (const [rel, data] of Object.entries(files)) {
    const path = join(dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, data);
  }
}

/** `n` small files named `prefix0..` spread over subfolders of `dir`. */
export function smallFiles(dir: string, n: number, perFolder = 250): void {
  for (let i = 0; i < n; i++) {
    const sub = join(dir, `pkg${Math.floor(i / perFolder)}`);
    if (i % perFolder === 0) {
      mkdirSync(sub, { recursive: true });
    }
    writeFileSync(join(sub, `m${i}.py`), `# ${i}\n`);
  }
}

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

/**
 * Every file, folder and link under `dir` (dotfiles included), keyed by
 * path: sha256 of a file's bytes, `dir`, or `link -> target`.
 */
export function treeHashes(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    const abs = rel === '' ? dir : join(dir, rel);
    for (const name of readdirSync(abs).sort()) {
      const r = rel === '' ? name : `${rel}/${name}`;
      const st = lstatSync(join(dir, r));
      if (st.isSymbolicLink()) {
        out.set(r, `link -> ${readlinkSync(join(dir, r))}`);
      } else if (st.isDirectory()) {
        out.set(r, 'dir');
        walk(r);
      } else {
        out.set(
          r,
          `${st.size}:${createHash('sha256')
            .update(readFileSync(join(dir, r)))
            .digest('hex')}`
        );
      }
    }
  };
  walk('');
  return out;
}

/** The entries of `now` that are not in `before` or differ from it. */
export function treeChanges(
  before: Map<string, string>,
  now: Map<string, string>
): { added: string[]; removed: string[]; changed: string[] } {
  const added = [...now.keys()].filter(k => !before.has(k));
  const removed = [...before.keys()].filter(k => !now.has(k));
  const changed = [...now.keys()].filter(
    k => before.has(k) && before.get(k) !== now.get(k)
  );
  return { added, removed, changed };
}

// -- numbers as the UI words them -----------------------------------------

export { formatBytes, formatCount } from '../../src/snapshot/format.js';

/**
 * The check's notification for these numbers (from the reference, never the
 * engine): "Snapshot OK: 3 files, 1.2 kB of 300 MB".
 */
export function checkText(
  n: { fileCount: number; totalBytes: number },
  lead = 'Snapshot OK'
): string {
  return `${lead}: ${formatCount(n.fileCount)} files, ${formatBytes(
    n.totalBytes
  )} of ${formatBytes(V1_MAX_BYTES)}`;
}

// -- browsers and servers ----------------------------------------------------

export interface ISharedBrowser {
  readonly browser: IBrowser;
  readonly page: Page;
  /** Console errors since the browser started (harmless noise filtered). */
  readonly errors: string[];
  /** Native dialogs (alert, confirm, prompt) the page opened. */
  readonly nativeDialogs: string[];
}

interface IBrowserHolder extends ISharedBrowser {
  open(): Promise<void>;
  close(): Promise<void>;
}

/** A browser that records console errors and dismisses native dialogs. */
function browserHolder(): IBrowserHolder {
  let browser: IBrowser | undefined;
  let errors: string[] = [];
  const nativeDialogs: string[] = [];
  return {
    async open() {
      browser = await openBrowser({ viewport: { width: 1280, height: 900 } });
      errors = consoleErrors(browser.page);
      browser.page.on('dialog', d => {
        nativeDialogs.push(`${d.type()}: ${d.message()}`);
        void d.dismiss().catch(() => undefined);
      });
    },
    async close() {
      await browser?.close();
    },
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

/**
 * One Chromium for the whole test file, shared by the servers of its
 * `describe` blocks (`useLab(name, { browser })`).
 */
export function useBrowser(): ISharedBrowser {
  const holder = browserHolder();
  before(() => holder.open());
  after(() => holder.close());
  return holder;
}

export type ToastType =
  'success' | 'error' | 'warning' | 'info' | 'in-progress';

export interface IScenario extends ISharedBrowser {
  /** The server's root folder (a fresh temp folder). */
  readonly root: string;
  readonly lab: ILab;
  /** A fresh subfolder of the root (made). */
  folder(rel: string): string;
  /** Open a notebook (root-relative) and wait for its kernel. */
  open(path: string, options?: { kernel?: boolean }): Promise<void>;
  /** The open notebook panel of `path`. */
  panel(path: string): Promise<Locator>;
  /** The Submit button in the toolbar of `path`'s panel. */
  submitButton(path: string): Promise<Locator>;
  /** Click the Submit button in the toolbar of `path`'s panel. */
  submit(path: string): Promise<void>;
  /** Wait for a toast of this type whose text matches; its text. */
  toast(
    type: ToastType,
    text: RegExp,
    options?: { timeoutMs?: number }
  ): Promise<string>;
  /** The same wait as `toast`; the toast itself (its buttons, its link). */
  toastElement(
    type: ToastType,
    text: RegExp,
    options?: { timeoutMs?: number }
  ): Promise<Locator>;
  /** Assert that no in-progress toast is left (waits for it to go). */
  noProgressToast(): Promise<void>;
  /** Close every toast; later waits see only new ones. */
  clearToasts(): Promise<void>;
  /** The open JupyterLab dialog with this extra class (waits for it). */
  dialog(className: string, options?: { timeoutMs?: number }): Promise<Locator>;
  /** A JupyterLab dialog whose title matches (waits for it). */
  dialogTitled(
    title: RegExp,
    options?: { timeoutMs?: number }
  ): Promise<Locator>;
  /** The Submit dialog (waits for it). */
  submitDialog(options?: { timeoutMs?: number }): Promise<Locator>;
  /** Pick a target in the open Submit dialog by its label. */
  chooseTarget(dialog: Locator, label: string): Promise<void>;
  /** The input or select of a field in the Submit dialog. */
  field(dialog: Locator, id: string): Locator;
  /**
   * After a passing check Submit goes on to its Submit dialog: wait for it,
   * check its title and cancel it.
   */
  cancelSubmitDialog(notebookName: string): Promise<void>;
  /** Close notebook tabs and their kernels (the helper stays). */
  closeNotebooks(): Promise<void>;
  /** The helper kernel's session id and kernel id, if it runs. */
  helperKernel(): Promise<{ session: string; kernel: string } | null>;
  /** Screenshot to /tmp/snapshot-guard-<name>.png; its path. */
  shot(name: string): Promise<string>;
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
 * Register before/after hooks that start a server on a fresh root folder
 * and load JupyterLab: in the test file's own browser, or in `browser`
 * (then one server per `describe` block, one browser per file).
 */
export function useLab(
  name: string,
  options: {
    /** Server options (the root folder is made here). */
    lab?: Omit<ILabOptions, 'rootDir'>;
    /** Prepare the root before the server starts. */
    prepare?(root: string): void;
    /** A browser shared with other servers (`useBrowser()`). */
    browser?: ISharedBrowser;
  } = {}
): IScenario {
  let root = '';
  let lab: ILab | undefined;
  const own = options.browser ? undefined : browserHolder();
  const shared = options.browser ?? own!;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), `snapshot-guard-${name}-`));
    options.prepare?.(root);
    [lab] = await Promise.all([
      startLab({ ...options.lab, rootDir: root }),
      own?.open()
    ]);
    await openLab(shared.page, lab);
  });

  after(async () => {
    await own?.close();
    await lab?.stop();
    if (root) {
      rmSync(root, { recursive: true, force: true });
    }
  });

  const page = () => shared.page;

  /** The toast found (see `toast`), marked so that a locator finds it. */
  const findToast = async (
    type: ToastType,
    text: RegExp,
    timeoutMs = 30_000
  ): Promise<{ text: string; mark: string }> => {
    const found = await page().waitForFunction(
      ({ type, source, flags }) => {
        const re = new RegExp(source, flags);
        // A toast keeps the class of the type it was created with; the
        // current type is Toastify's (an in-progress one has a spinner).
        for (const el of document.querySelectorAll<HTMLElement>(
          '.Toastify__toast:not([data-sg-old])'
        )) {
          const spinning = el.querySelector('.Toastify__spinner') !== null;
          const matches =
            type === 'in-progress'
              ? spinning
              : !spinning && el.classList.contains(`Toastify__toast--${type}`);
          if (!matches) {
            continue;
          }
          const msg = el.querySelector('.jp-toast-message');
          const t = (msg ?? el).textContent ?? '';
          if (re.test(t)) {
            const w = window as any;
            el.dataset.sgToast ??= String(
              (w.__sgToastMarks = (w.__sgToastMarks ?? 0) + 1)
            );
            return { text: t, mark: el.dataset.sgToast };
          }
        }
        return null;
      },
      { type, source: text.source, flags: text.flags },
      { timeout: timeoutMs, polling: 100 }
    );
    return (await found.jsonValue()) as { text: string; mark: string };
  };

  const s: IScenario = {
    get root() {
      return root;
    },
    get lab() {
      return lab!;
    },
    get browser() {
      return shared.browser;
    },
    get page() {
      return page();
    },
    get errors() {
      return shared.errors;
    },
    get nativeDialogs() {
      return shared.nativeDialogs;
    },

    folder(rel: string) {
      const dir = join(root, rel);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      return dir;
    },

    async open(path, openOptions = {}) {
      if (openOptions.kernel === false) {
        await page().evaluate(
          p =>
            (window as any).jupyterapp.commands.execute('docmanager:open', {
              path: p,
              factory: 'Notebook'
            }),
          path
        );
        await page().waitForFunction(
          p => {
            const w = (window as any).jupyterapp.shell.currentWidget;
            return w?.context?.path === p && w.context.isReady;
          },
          path,
          { timeout: 30_000, polling: 100 }
        );
        return;
      }
      await openNotebook(page(), lab!, path);
    },

    async panel(path) {
      const id = await page().evaluate(p => {
        const shell = (window as any).jupyterapp.shell;
        for (const w of shell.widgets('main')) {
          if (w.context?.path === p) {
            return w.id as string;
          }
        }
        return null;
      }, path);
      assert.ok(id, `no open panel for ${path}`);
      return page().locator(`[id="${id}"]`);
    },

    async submitButton(path) {
      return (await s.panel(path)).locator(SUBMIT_BUTTON);
    },

    async submit(path) {
      await (await s.submitButton(path)).click();
    },

    async toast(type, text, toastOptions = {}) {
      return (await findToast(type, text, toastOptions.timeoutMs)).text;
    },

    async toastElement(type, text, toastOptions = {}) {
      const { mark } = await findToast(type, text, toastOptions.timeoutMs);
      return page().locator(`.Toastify__toast[data-sg-toast="${mark}"]`);
    },

    async noProgressToast() {
      await page()
        .waitForFunction(
          () =>
            document.querySelectorAll(
              '.Toastify__toast:not([data-sg-old]) .Toastify__spinner'
            ).length === 0,
          undefined,
          { timeout: 5000, polling: 100 }
        )
        .catch(async () => {
          const left = await page()
            .locator('.Toastify__toast')
            .allTextContents();
          assert.fail(`a progress notification stayed on screen: ${left}`);
        });
    },

    async clearToasts() {
      // Close them without waiting for their animations; a toast still on
      // its way out is marked, and the waits above ignore it.
      await page().evaluate(() => {
        for (const el of document.querySelectorAll('.Toastify__toast')) {
          (el as HTMLElement).dataset.sgOld = '1';
          el.querySelector<HTMLElement>(
            '.jp-Notification-Toast-Close'
          )?.click();
        }
      });
    },

    async dialog(className, dialogOptions = {}) {
      const dialog = page().locator(`.jp-Dialog.${className}`);
      await dialog.waitFor({ timeout: dialogOptions.timeoutMs ?? 30_000 });
      return dialog;
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

    submitDialog(dialogOptions = {}) {
      return s.dialog('jp-SnapshotGuard-submitDialog', dialogOptions);
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

    async cancelSubmitDialog(notebookName) {
      const dialog = await s.submitDialog();
      assert.equal(
        (await dialog.locator('.jp-Dialog-header').textContent())?.trim(),
        `Submit ${notebookName}`
      );
      await dialogButton(dialog, 'Cancel').click();
      await dialog.waitFor({ state: 'detached' });
    },

    async closeNotebooks() {
      await page().evaluate(async () => {
        const app = (window as any).jupyterapp;
        const widgets = [...app.shell.widgets('main')].filter(
          (w: any) => w.sessionContext
        );
        for (const w of widgets) {
          const session = w.sessionContext;
          w.context.model.dirty = false;
          w.close();
          await session.shutdown().catch(() => undefined);
        }
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

    async shot(shotName) {
      const path = artifactPath(`${shotName}.png`);
      await page().screenshot({ path });
      return path;
    },

    async run(t, body, expected = []) {
      const errorsBefore = shared.errors.length;
      try {
        await s.clearToasts();
        await body();
        await s.noProgressToast();
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
        // Leave a clean screen for the next test.
        await page()
          .evaluate(() => {
            for (const d of document.querySelectorAll('.jp-Dialog')) {
              (d as HTMLElement).dispatchEvent(
                new KeyboardEvent('keydown', { key: 'Escape', bubbles: true })
              );
            }
          })
          .catch(() => undefined);
        await s.closeNotebooks().catch(() => undefined);
      }
    }
  };
  return s;
}

/** Submit `path`'s notebook and wait for the Submit dialog. */
export async function submitAndWait(
  s: IScenario,
  path: string
): Promise<Locator> {
  await s.submit(path);
  return s.submitDialog();
}

// -- reading the guard's dialogs -------------------------------------------

/** Numbers of the report dialog: the meters' exact values and the headline. */
export async function reportNumbers(dialog: Locator): Promise<{
  headline: string;
  bytes: number;
  files: number;
  ruleSource: string;
}> {
  const meter = async (label: string) =>
    Number(
      await dialog
        .locator(`.jp-SnapshotGuard-meter[aria-label="${label}"]`)
        .getAttribute('aria-valuenow')
    );
  return {
    headline: (
      (await dialog.locator('.jp-SnapshotGuard-headline').textContent()) ?? ''
    ).trim(),
    bytes: await meter('Size'),
    files: await meter('Files'),
    ruleSource: (
      (await dialog.locator('.jp-SnapshotGuard-ruleSource').textContent()) ?? ''
    ).trim()
  };
}

/** The rows of the .amlignore dialog: pattern and whether it is checked. */
export async function amlignoreRows(
  dialog: Locator
): Promise<{ pattern: string; checked: boolean }[]> {
  const rows = dialog.locator('.jp-SnapshotGuard-line');
  const out: { pattern: string; checked: boolean }[] = [];
  for (let i = 0; i < (await rows.count()); i++) {
    const row = rows.nth(i);
    out.push({
      pattern: (await row.locator('code').textContent()) ?? '',
      checked: await row.locator('input[type="checkbox"]').isChecked()
    });
  }
  return out;
}

/** Wait until the focus is on or inside `target` (keys then go there). */
export async function focused(target: Locator): Promise<void> {
  await target.evaluate(
    el =>
      new Promise<void>(resolve => {
        const poll = () =>
          el.contains(document.activeElement)
            ? resolve()
            : setTimeout(poll, 50);
        poll();
      })
  );
}

/** A dialog footer button by its label. */
export function dialogButton(dialog: Locator, label: string | RegExp): Locator {
  return dialog.locator('.jp-Dialog-footer').getByRole('button', {
    name: label,
    exact: typeof label === 'string'
  });
}

/** Lines of an ignore file that are rules (no comments, no blanks). */
export function ruleLines(text: string): string[] {
  return text
    .split('\n')
    .map(l => l.trim())
    .filter(l => l !== '' && !l.startsWith('#'));
}

/**
 * Open the helper's gate `step` in `gates` (the lab's
 * SNAPSHOT_GUARD_TEST_PAUSE; see `_pause` in src/kernel/helper/common.py),
 * run `start`, wait until the helper stands at the gate, then `act` with
 * its pid; the gate closes again, so the next helper passes. No timing.
 */
export async function atGate(
  gates: string,
  step: string,
  start: () => Promise<void>,
  act: (pid: number) => Promise<void> | void
): Promise<void> {
  const gate = join(gates, step);
  const paused = `${gate}.paused`;
  writeFileSync(gate, '');
  try {
    await start();
    const deadline = Date.now() + 120_000;
    let pid = NaN;
    while (!(pid > 0)) {
      assert.ok(Date.now() < deadline, `the helper never reached ${step}`);
      await new Promise(resolve => setTimeout(resolve, 50));
      pid = existsSync(paused) ? Number(readFileSync(paused, 'utf8')) : NaN;
    }
    await act(pid);
  } finally {
    rmSync(gate, { force: true });
    rmSync(paused, { force: true });
  }
}

/** A fresh temp folder outside any server root. */
export function tempDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `snapshot-guard-${name}-`));
}

/** Every toast text shown from now on (also those that closed again). */
export async function recordToasts(
  s: IScenario
): Promise<() => Promise<string[]>> {
  await s.page.evaluate(() => {
    const seen = new Set<string>();
    (window as any).__sgToastTexts = seen;
    const note = () => {
      for (const el of document.querySelectorAll('.jp-toast-message')) {
        seen.add(el.textContent ?? '');
      }
    };
    new MutationObserver(note).observe(document.body, {
      childList: true,
      subtree: true,
      characterData: true
    });
  });
  return () =>
    s.page.evaluate(() => [...(window as any).__sgToastTexts] as string[]);
}
