// A real Jupyter server (Debian's jupyter_server 1.23 with its python3
// kernel) in a temporary root, and @jupyterlab/services connected to it
// from Node, as the extension is in the browser.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  KernelManager,
  KernelSpecAPI,
  ServerConnection,
  SessionManager,
  type KernelSpec
} from '@jupyterlab/services';
import type { IHelperServices } from '../../src/kernel/helper-rpc.js';
import { cleanup, tempDir } from './tree.js';

// Random per run: a server of another run that took the port cannot answer
// this run's requests (it refuses the token), so a clash fails clearly.
export const TOKEN = randomBytes(16).toString('hex');
export const sha256 = (s: string) =>
  createHash('sha256').update(s).digest('hex');

export let server: ChildProcess | undefined;
export let root = '';
let state = '';
export let settings: ServerConnection.ISettings;
export let services: IHelperServices & {
  dispose(): void;
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function api(path: string, init: RequestInit = {}): Promise<any> {
  const r = await fetch(`${settings.baseUrl}${path}`, {
    ...init,
    headers: { Authorization: `token ${TOKEN}` }
  });
  if (!r.ok) {
    throw new Error(`${path}: HTTP ${r.status}`);
  }
  return r.status === 204 ? null : r.json();
}

export async function helperSessions(): Promise<any[]> {
  const all: any[] = await api('api/sessions');
  return all.filter(s => s.type === 'snapshot-guard');
}

export async function until(what: string, check: () => Promise<boolean>) {
  const end = Date.now() + 20_000;
  while (Date.now() < end) {
    if (await check()) {
      return;
    }
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A folder whose walk never ends by itself: links fan out 2^30 ways. */
export function fan(dir: string) {
  for (let i = 0; i <= 30; i++) {
    mkdirSync(join(dir, `l${i}`), { recursive: true });
    writeFileSync(join(dir, `l${i}`, 'f.txt'), '');
  }
  for (let i = 0; i < 30; i++) {
    symlinkSync(`../l${i + 1}`, join(dir, `l${i}`, 'a'));
    symlinkSync(`../l${i + 1}`, join(dir, `l${i}`, 'b'));
  }
}

/** Start the server (call from `before`). */
export async function startJupyter(extraArgs: string[] = []) {
  root = tempDir('sg-server-root-');
  state = tempDir('sg-server-state-');
  // Node 20 has no WebSocket of its own; `ws` (no type declarations) does.
  const wsName = 'ws';
  const WebSocket =
    globalThis.WebSocket ?? ((await import(wsName)) as any).default;
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    server = spawn(
      '/usr/bin/python3',
      [
        '-m',
        'jupyter_server',
        `--port=${port}`,
        // Fail rather than answer on another port than the one we call.
        '--ServerApp.port_retries=0',
        '--ip=127.0.0.1',
        `--ServerApp.token=${TOKEN}`,
        `--ServerApp.root_dir=${root}`,
        '--no-browser',
        '--allow-root',
        ...extraArgs
      ],
      {
        stdio: 'ignore',
        env: {
          ...process.env,
          JUPYTER_CONFIG_DIR: join(state, 'config'),
          JUPYTER_DATA_DIR: join(state, 'data'),
          JUPYTER_RUNTIME_DIR: join(state, 'runtime'),
          IPYTHONDIR: join(state, 'ipython'),
          PYDEVD_DISABLE_FILE_VALIDATION: '1'
        }
      }
    );
    settings = ServerConnection.makeSettings({
      baseUrl: `http://127.0.0.1:${port}/`,
      wsUrl: `ws://127.0.0.1:${port}/`,
      token: TOKEN,
      appendToken: true,
      WebSocket
    });
    const proc = server;
    await until('the server', async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        return true;
      }
      try {
        await api('api/status');
        return true;
      } catch {
        return false;
      }
    });
    if (proc.exitCode === null && proc.signalCode === null) {
      break;
    }
    // Another process took the port between freePort() and the bind.
    if (attempt === 3) {
      throw new Error(`the Jupyter server exited (${proc.exitCode})`);
    }
  }
  const kernelManager = new KernelManager({ serverSettings: settings });
  const sessions = new SessionManager({
    kernelManager,
    serverSettings: settings
  });
  // The real KernelSpecManager's disposed poll still holds a 61 s timer
  // (Lumino does not clear it), which would keep this process alive: the
  // helper needs only these three members.
  const specs = await KernelSpecAPI.getSpecs(settings);
  const kernelspecs = {
    ready: Promise.resolve(),
    specs,
    refreshSpecs: async () => undefined,
    dispose: () => undefined
  } as unknown as KernelSpec.IManager;
  services = {
    sessions,
    kernelspecs,
    serverSettings: settings,
    dispose() {
      sessions.dispose();
      kernelManager.dispose();
    }
  };
}

/** Stop it and remove its folders (call from `after`). */
export async function stopJupyter() {
  services?.dispose();
  if (server && server.exitCode === null) {
    const gone = new Promise(r => server!.once('exit', r));
    server.kill('SIGTERM');
    await Promise.race([gone, new Promise(r => setTimeout(r, 5000))]);
    if (server.exitCode === null) {
      server.kill('SIGKILL');
    }
  }
  cleanup(root);
  cleanup(state);
}
