/**
 * Helpers for end-to-end tests against a real JupyterLab 4 front-end served by
 * Debian's jupyter_server (see scripts/harness.js and lab-harness/).
 *
 *   const lab = await startLab({ rootDir });
 *   const browser = await openBrowser();
 *   const errors = consoleErrors(browser.page);
 *   await openNotebook(browser.page, lab, 'analysis.ipynb');
 *   ...
 *   await browser.close();
 *   await lab.stop();
 */
import { ChildProcess, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BrowserContext, Page, chromium } from 'playwright-core';

/** The repository root (this file runs from build/test/e2e/). */
export const REPO_ROOT = findRepoRoot(dirname(fileURLToPath(import.meta.url)));

function findRepoRoot(start: string): string {
  let dir = start;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (
      existsSync(pkg) &&
      JSON.parse(readFileSync(pkg, 'utf8')).name === 'jupyterlab-snapshot-guard'
    ) {
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(`repository root not found above ${start}`);
    }
    dir = parent;
  }
}

/**
 * Where a test leaves a file for people to look at (screenshots): in this
 * checkout's build/, not under a fixed name in the shared temporary folder,
 * where another run (or another user's) would overwrite it or own it.
 */
export function artifactPath(name: string): string {
  const dir = join(REPO_ROOT, 'build', 'e2e-artifacts');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

/**
 * The Submit toolbar button of a notebook panel (the <button> to click):
 * toolbar items carry `data-jp-item-name` only since JupyterLab 4.1, and the
 * button's class is on the <button> itself in 4.0 but on the <jp-button>
 * around it in later versions.
 */
const SUBMIT_CLASS = '.jp-NotebookPanel-toolbar .jp-SnapshotGuard-submitButton';
export const SUBMIT_BUTTON = `${SUBMIT_CLASS}:is(button), ${SUBMIT_CLASS} button`;

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
];

export interface ILabOptions {
  /** Folder shown in JupyterLab (the server's root_dir). */
  rootDir: string;
  /**
   * User settings by plugin id, e.g.
   * `{ 'jupyterlab-snapshot-guard:plugin': { ... } }`.
   */
  settings?: Record<string, Record<string, unknown>>;
  /** Extra environment for the server (and so for kernels). */
  env?: NodeJS.ProcessEnv;
  /** Let the Contents API list and write dotfiles. */
  allowHidden?: boolean;
  /** Plugin ids to disable, as a user's page_config.json would. */
  disabledPlugins?: string[];
  /** Extra traitlets options, e.g. `--ServerApp.foo=bar`. */
  args?: string[];
  /**
   * Make these the only kernelspecs the server offers (by name); each runs
   * Debian's ipykernel but declares the given language. With no Python
   * language among them the server has no Python kernelspec at all.
   */
  kernelSpecs?: Record<string, { displayName: string; language: string }>;
  /** How long to wait for the server to answer (default 60 s). */
  timeoutMs?: number;
  /**
   * Front end to serve: `current` (lab-harness/, default) or `floor`
   * (lab-harness-4.0/, the oldest JupyterLab 4 the extension declares).
   */
  harness?: HarnessName;
}

export type HarnessName = 'current' | 'floor';

/** Every front end, for tests run against each. */
export const HARNESS_NAMES: HarnessName[] = ['current', 'floor'];

/** "JupyterLab 4.0.0": the version a harness bundles, for test names. */
export function harnessLabel(harness: HarnessName = 'current'): string {
  const dir = harness === 'floor' ? 'lab-harness-4.0' : 'lab-harness';
  const pkg = JSON.parse(
    readFileSync(join(REPO_ROOT, dir, 'package.json'), 'utf8')
  );
  return `JupyterLab ${pkg.dependencies['@jupyterlab/application']}`;
}

export interface ILab {
  /** e.g. `http://127.0.0.1:40123` (no trailing slash). */
  url: string;
  /** `${url}/lab?token=...`: opens JupyterLab logged in. */
  labUrl: string;
  token: string;
  port: number;
  rootDir: string;
  stateDir: string;
  /** Server output so far (stdout + stderr). */
  log(): string;
  /** `fetch` against the server's REST API with the token. */
  api(path: string, init?: RequestInit): Promise<Response>;
  /** Stop the server, its kernels, and remove the state folder. */
  stop(): Promise<void>;
}

interface IHarnessModule {
  ensureHarness(options?: {
    extension?: boolean;
    harnesses?: HarnessName[];
  }): Promise<{ python: string; serveScript: string; harnessDir: string }>;
}

/** Install/build what the harness needs (idempotent, fast when up to date). */
export async function ensureHarness(harness: HarnessName = 'current'): Promise<{
  python: string;
  serveScript: string;
  harnessDir: string;
}> {
  const url = pathToFileURL(join(REPO_ROOT, 'scripts', 'harness.js')).href;
  const mod = (await import(url)) as IHarnessModule;
  return mod.ensureHarness({ harnesses: [harness] });
}

/** A TCP port free at the time of the call. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

function writeUserSettings(
  stateDir: string,
  settings: Record<string, Record<string, unknown>>
): void {
  for (const [id, values] of Object.entries(settings)) {
    const [pkg, plugin] = id.split(':');
    const dir = join(stateDir, 'user_settings', pkg);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, `${plugin}.jupyterlab-settings`),
      JSON.stringify(values, null, 2)
    );
  }
}

/**
 * Kernelspecs in the state's data folder (serve.py points JUPYTER_DATA_DIR
 * there) and the options that make them the only ones: the system's
 * python3 spec is filtered out and ipykernel's built-in one not added.
 */
function writeKernelSpecs(
  stateDir: string,
  python: string,
  specs: Record<string, { displayName: string; language: string }>
): string[] {
  const args = ['--KernelSpecManager.ensure_native_kernel=False'];
  for (const [name, spec] of Object.entries(specs)) {
    const dir = join(stateDir, 'data', 'kernels', name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'kernel.json'),
      JSON.stringify({
        argv: [python, '-m', 'ipykernel_launcher', '-f', '{connection_file}'],
        display_name: spec.displayName,
        language: spec.language
      })
    );
    args.push(`--KernelSpecManager.allowed_kernelspecs=${name}`);
  }
  return args;
}

/** Processes (kernels) started for this state folder, found by command line. */
function processesUsing(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmd.includes(marker)) {
        pids.push(Number(entry));
      }
    } catch {
      // Gone meanwhile.
    }
  }
  return pids.filter(pid => pid !== process.pid);
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve(true);
  }
  return new Promise(resolve => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Start the harness server on `rootDir` with a fresh state folder and a free
 * port; resolves once JupyterLab's page answers.
 */
export async function startLab(options: ILabOptions): Promise<ILab> {
  const { python, serveScript, harnessDir } = await ensureHarness(
    options.harness
  );
  const stateDir = mkdtempSync(join(tmpdir(), 'snapshot-guard-lab-'));
  if (options.settings) {
    writeUserSettings(stateDir, options.settings);
  }
  const kernelArgs = options.kernelSpecs
    ? writeKernelSpecs(stateDir, python, options.kernelSpecs)
    : [];
  const token = `e2e${Math.random().toString(16).slice(2)}${Date.now()}`;
  const timeoutMs = options.timeoutMs ?? 60_000;

  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const args = [
      serveScript,
      '--root-dir',
      options.rootDir,
      '--state-dir',
      stateDir,
      '--port',
      String(port),
      '--token',
      token,
      '--harness-dir',
      harnessDir,
      ...(options.allowHidden ? ['--allow-hidden'] : []),
      ...(options.disabledPlugins ?? []).flatMap(id => [
        '--disable-plugin',
        id
      ]),
      '--',
      ...kernelArgs,
      ...(options.args ?? [])
    ];
    let output = '';
    const child = spawn(python, args, {
      cwd: options.rootDir,
      env: { ...process.env, ...options.env, PYTHONUNBUFFERED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true
    });
    child.stdout!.on('data', d => (output += d));
    child.stderr!.on('data', d => (output += d));

    // Safety net when a test run ends without stop() (crash, timeout).
    const killAll = () => {
      killQuietly(-child.pid!, 'SIGKILL');
      for (const pid of processesUsing(join(stateDir, 'runtime'))) {
        killQuietly(pid, 'SIGKILL');
      }
    };
    process.once('exit', killAll);

    const url = `http://127.0.0.1:${port}`;
    const lab: ILab = {
      url,
      labUrl: `${url}/lab?token=${token}`,
      token,
      port,
      rootDir: options.rootDir,
      stateDir,
      log: () => output,
      api: (path, init = {}) =>
        fetch(`${url}${path.startsWith('/') ? '' : '/'}${path}`, {
          ...init,
          headers: {
            Authorization: `token ${token}`,
            ...(init.headers as Record<string, string> | undefined)
          }
        }),
      stop: async () => {
        process.off('exit', killAll);
        if (child.pid !== undefined) {
          killQuietly(-child.pid, 'SIGTERM');
          if (!(await exited(child, 10_000))) {
            killQuietly(-child.pid, 'SIGKILL');
            await exited(child, 5_000);
          }
        }
        // Kernels run in their own sessions; their connection files live in
        // the state folder's runtime dir, which their command line names.
        for (const pid of processesUsing(join(stateDir, 'runtime'))) {
          killQuietly(pid, 'SIGKILL');
        }
        rmSync(stateDir, { recursive: true, force: true });
      }
    };

    const deadline = Date.now() + timeoutMs;
    let ready = false;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        break;
      }
      try {
        const res = await fetch(lab.labUrl, { redirect: 'manual' });
        if (res.status === 200) {
          ready = true;
          break;
        }
      } catch {
        // Not listening yet.
      }
      await sleep(150);
    }
    if (ready) {
      STARTED.add(lab);
      return lab;
    }
    const exitedEarly = child.exitCode !== null || child.signalCode !== null;
    process.off('exit', killAll);
    if (!exitedEarly) {
      killAll();
      await exited(child, 5_000);
    }
    if (exitedEarly && /address already in use/i.test(output) && attempt < 3) {
      continue;
    }
    rmSync(stateDir, { recursive: true, force: true });
    throw new Error(
      `JupyterLab server did not start (${
        exitedEarly ? `exit ${child.exitCode ?? child.signalCode}` : 'timeout'
      }); log:\n${output}`
    );
  }
}

export interface IBrowser {
  context: BrowserContext;
  /** The context's first page. */
  page: Page;
  userDataDir: string;
  close(): Promise<void>;
}

/** Chromium (Debian's) through playwright-core, with a fresh profile. */
export async function openBrowser(
  options: { viewport?: { width: number; height: number } } = {}
): Promise<IBrowser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'snapshot-guard-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: options.viewport ?? { width: 1280, height: 800 }
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    userDataDir,
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    }
  };
}

/** Servers started by this process: their logs tell a known race apart. */
const STARTED = new Set<ILab>();

/** Console noise of jupyter_server 1.x that is expected and harmless. */
const HARMLESS = [
  /\/api\/me\b/,
  // JupyterLab links a path printed in an output: it asks the server to
  // resolve it (/api/resolvePath, missing from jupyter_server 1.x) and then
  // looks it up as if under the root; a path in /tmp (the catcher tests
  // print one) answers 404 both times.
  /\/api\/resolvePath\?/,
  /status of 404 .*\/api\/contents\/tmp\/.*\?content=0&hash=0&\d+$/,
  /\/lab\/api\/news/,
  /favicon/,
  // The server's own message for the race below, relayed by JupyterLab.
  /object has no attribute 'last_activity'/
];

/**
 * Errors of JupyterLab's own that follow from something the server logged,
 * excused only then, once per logged line; any other such error fails.
 * - jupyter_server 1.23 race: listing kernels while one is still starting
 *   fails with a 500, its model having no `last_activity` yet.
 * - A kernel killed by a test is restarted by the server's restarter; the
 *   page's connection to it asks for its info, and when the extension then
 *   drops that connection (a killed helper gets a new session) JupyterLab
 *   rejects the pending request where nobody listens.
 */
/** The server's log line when its restarter brings a dead kernel back. */
const KERNEL_RESTARTED = /AsyncIOLoopKernelRestarter: restarting kernel/g;

const KNOWN_RACES = [
  {
    error: /status of 500 .*\/api\/kernels\?\d+$/,
    logged: /has no attribute 'last_activity'/g,
    excused: 0
  },
  {
    error:
      /^Error: Canceled future for kernel_info_request message before replies were done$/,
    logged: KERNEL_RESTARTED,
    excused: 0
  }
];

async function isKnownRace(text: string): Promise<boolean> {
  const race = KNOWN_RACES.find(r => r.error.test(text));
  if (!race) {
    return false;
  }
  const logged = () =>
    [...STARTED].reduce(
      (n, lab) => n + (lab.log().match(race.logged) ?? []).length,
      0
    );
  // The browser can see the error before the server's log reaches us.
  const until = Date.now() + 10_000;
  while (logged() <= race.excused) {
    if (Date.now() > until) {
      return false;
    }
    await sleep(100);
  }
  race.excused++;
  return true;
}

/**
 * Collects console errors and uncaught page errors from now on; returns a
 * live array (read it at the end of the test).
 */
export function consoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', msg => {
    if (msg.type() !== 'error') {
      return;
    }
    const text = `${msg.text()} @ ${msg.location().url}`;
    if (KNOWN_RACES.some(r => r.error.test(text))) {
      void isKnownRace(text).then(known => known || errors.push(text));
    } else if (!HARMLESS.some(re => re.test(text))) {
      errors.push(text);
    }
  });
  page.on('pageerror', err => {
    const text = `${err.name}: ${err.message}`;
    if (KNOWN_RACES.some(r => r.error.test(text))) {
      void isKnownRace(text).then(known => known || errors.push(text));
    } else if (!HARMLESS.some(re => re.test(text))) {
      errors.push(text);
    }
  });
  return errors;
}

/** Load JupyterLab and wait until it has started and restored its layout. */
export async function openLab(page: Page, lab: ILab): Promise<void> {
  await page.goto(lab.labUrl);
  await page.waitForFunction(
    () => document.body.dataset.labHarness === 'ready',
    undefined,
    { timeout: 60_000 }
  );
}

/**
 * Open `path` (relative to the root dir) as a notebook and wait until its
 * kernel is connected and idle, checked on the session state, not on the
 * toolbar's status marker (which shows idle before a session exists).
 */
export async function openNotebook(
  page: Page,
  lab: ILab,
  path: string,
  options: { timeoutMs?: number } = {}
): Promise<void> {
  const timeout = options.timeoutMs ?? 60_000;
  if (
    !(await page.evaluate(() => document.body?.dataset.labHarness === 'ready'))
  ) {
    await openLab(page, lab);
  }
  await page.evaluate(
    p =>
      (window as any).jupyterapp.commands.execute('docmanager:open', {
        path: p,
        factory: 'Notebook'
      }),
    path
  );
  const ready = (ms: number) =>
    page.waitForFunction(
      p => {
        const widget = (window as any).jupyterapp.shell.currentWidget;
        const kernel = widget?.sessionContext?.session?.kernel;
        return (
          widget?.context?.path === p &&
          widget.context.isReady &&
          kernel?.status === 'idle' &&
          kernel?.connectionStatus === 'connected'
        );
      },
      path,
      { timeout: ms, polling: 100 }
    );
  try {
    await ready(timeout);
  } catch (err) {
    // ipykernel can die while starting when another process took one of the
    // ports it was given (jupyter_client picks them before the kernel binds
    // them; seen once in CI). The server then restarts it on new ports, and
    // JupyterLab's websocket reconnects with a random backoff of up to 63 s
    // (@jupyterlab/services KernelConnection._reconnect). Wait for that, but
    // only when the server logged such a restart.
    if (!lab.log().match(KERNEL_RESTARTED)) {
      throw err;
    }
    await ready(RECONNECT_GRACE_MS);
  }
}

const RECONNECT_GRACE_MS = 120_000;
