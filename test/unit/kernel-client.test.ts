// HelperKernel and KernelFileSystem against a real Jupyter server (Debian's
// jupyter_server 1.23 with its python3 kernel), driven from Node through
// @jupyterlab/services, as the extension does in the browser.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync
} from 'node:fs';
import { createServer } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  KernelManager,
  KernelSpecAPI,
  ServerConnection,
  SessionManager,
  type KernelSpec
} from '@jupyterlab/services';
import {
  HelperKernel,
  HelperKernelError,
  type IHelperServices
} from '../../src/kernel/helper-kernel.js';
import { KernelFileSystem } from '../../src/kernel/listing-fs.js';
import { NodeFileSystem } from '../../src/node/node-fs.js';
import { walk } from '../../src/snapshot/walk.js';
import { cleanup, makeTree, tempDir } from '../helpers/tree.js';

// Random, so that a concurrent run's server never accepts this run's calls.
const TOKEN = `sg-test-${randomBytes(12).toString('hex')}`;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

let server: ChildProcess | undefined;
let root = '';
let state = '';
let settings: ServerConnection.ISettings;
let services: IHelperServices & {
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

async function api(path: string, init: RequestInit = {}): Promise<any> {
  const r = await fetch(`${settings.baseUrl}${path}`, {
    ...init,
    headers: { Authorization: `token ${TOKEN}` }
  });
  if (!r.ok) {
    throw new Error(`${path}: HTTP ${r.status}`);
  }
  return r.status === 204 ? null : r.json();
}

async function helperSessions(): Promise<any[]> {
  const all: any[] = await api('api/sessions');
  return all.filter(s => s.type === 'snapshot-guard');
}

async function until(what: string, check: () => Promise<boolean>) {
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
function fan(dir: string) {
  for (let i = 0; i <= 30; i++) {
    mkdirSync(join(dir, `l${i}`), { recursive: true });
    writeFileSync(join(dir, `l${i}`, 'f.txt'), '');
  }
  for (let i = 0; i < 30; i++) {
    symlinkSync(`../l${i + 1}`, join(dir, `l${i}`, 'a'));
    symlinkSync(`../l${i + 1}`, join(dir, `l${i}`, 'b'));
  }
}

before(async () => {
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
        '--allow-root'
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
});

after(async () => {
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
});

describe('HelperKernel against a real Jupyter server', () => {
  test('picks the Python kernelspec, or reports none', async () => {
    const h = new HelperKernel(services);
    assert.equal(await h.pickKernelSpec(), 'python3');
    const noPython = new HelperKernel({
      sessions: services.sessions,
      kernelspecs: {
        ready: Promise.resolve(),
        specs: {
          default: 'ir',
          kernelspecs: { ir: { name: 'ir', language: 'R' } as any }
        },
        refreshSpecs: async () => undefined
      } as any
    });
    assert.equal(await noPython.isAvailable(), false);
    await assert.rejects(noPython.ping(), (e: any) => {
      assert.ok(e instanceof HelperKernelError);
      assert.equal(e.type, 'NoPythonKernel');
      return true;
    });
  });

  test('serves the engine exactly like NodeFileSystem, dotfiles included', async () => {
    const h = new HelperKernel(services);
    try {
      const dir = join(root, 'project');
      makeTree(dir, {
        'nb.ipynb': '{}',
        '.amlignore': 'outputs/\n',
        '.git/HEAD': 'ref\n',
        'data/a.csv': 'a\n',
        'outputs/big.bin': 5000
      });
      symlinkSync('data', join(dir, 'again'));
      symlinkSync('..', join(dir, 'data', 'up'));
      symlinkSync('nowhere', join(dir, 'dangling'));
      const progress: number[] = [];
      const kfs = await KernelFileSystem.open(h, 'project', {
        onProgress: n => progress.push(n)
      });
      const nfs = new NodeFileSystem(dir);
      assert.equal(kfs.rootId, nfs.rootId);
      const viaKernel = await walk(kfs, { rootId: kfs.rootId });
      const viaNode = await walk(nfs, { rootId: nfs.rootId });
      const strip = (r: typeof viaNode) => ({
        files: r.files.map(f => [f.path, f.size]).sort(),
        warnings: r.warnings.map(w => [w.kind, w.path]).sort()
      });
      assert.deepEqual(strip(viaKernel), strip(viaNode));
      assert.ok(viaKernel.files.some(f => f.path === '.git/HEAD'));
      const text = new TextDecoder().decode(await kfs.read('.amlignore'));
      assert.equal(text, 'outputs/\n');
      assert.equal(kfs.sha256Of('.amlignore'), sha256('outputs/\n'));

      // The session is recognisable under Running Kernels.
      const [s] = await helperSessions();
      assert.equal(s.name, 'Snapshot Guard helper');
      assert.equal(s.path, '.snapshot-guard-helper');
      assert.equal(s.kernel.name, 'python3');
    } finally {
      await h.shutdown();
    }
  });

  test('writes, creates and copies only what it should', async () => {
    const h = new HelperKernel(services);
    try {
      makeTree(join(root, 'w'), { 'nb.ipynb': '{"cells":[]}', 'x.py': '' });
      await h.writeAtomic('w/.amlignore', 'a\n', null);
      assert.equal(readFileSync(join(root, 'w', '.amlignore'), 'utf8'), 'a\n');
      await assert.rejects(
        h.writeAtomic('w/.amlignore', 'b\n', sha256('something else')),
        (e: any) => e.type === 'Changed'
      );
      assert.equal(readFileSync(join(root, 'w', '.amlignore'), 'utf8'), 'a\n');
      const w = await h.writeAtomic('w/.amlignore', 'b\n', sha256('a\n'));
      assert.equal(w.sha256, sha256('b\n'));
      await assert.rejects(h.read('../outside'), (e: any) => {
        assert.equal(e.type, 'BadPath');
        assert.equal(e.op, 'read');
        return true;
      });

      const clean = await h.mkdirUnique('w', 'clean');
      assert.equal(clean, 'w/clean');
      assert.equal(await h.mkdirUnique('w', 'clean'), 'w/clean-2');
      const copied = await h.copyFiles([
        { src: 'w/nb.ipynb', dst: `${clean}/nb.ipynb` }
      ]);
      assert.equal(copied[0].sha256, sha256('{"cells":[]}'));
      await assert.rejects(
        h.copyFiles([
          { src: 'w/x.py', dst: `${clean}/x.py` },
          { src: 'w/missing.py', dst: `${clean}/missing.py` }
        ]),
        (e: any) => e.type === 'CopyFailed' && e.path === 'w/missing.py'
      );
      assert.ok(!existsSync(join(root, clean, 'x.py')));
      const removed = await h.removeCreated([
        `${clean}/nb.ipynb`,
        clean,
        'w/clean-2'
      ]);
      assert.deepEqual(removed.kept, []);
      assert.ok(!existsSync(join(root, clean)));

      const chunks: number[] = [];
      makeTree(join(root, 'w'), { 'big.bin': 10_000 });
      for await (const c of h.readChunks('w/big.bin', 4096)) {
        chunks.push(c.length);
      }
      assert.deepEqual(chunks, [4096, 4096, 1808]);
      const whole = await h.readFile('w/big.bin', 4096);
      assert.equal(whole.data.length, 10_000);
      assert.equal(whole.sha256, undefined);
    } finally {
      await h.shutdown();
    }
  });

  test('cancels a walk through its AbortSignal and keeps serving', async () => {
    const h = new HelperKernel(services);
    try {
      fan(join(root, 'fan'));
      const ac = new AbortController();
      let seen = 0;
      const walking = h.walk('fan', {
        signal: ac.signal,
        onProgress: n => {
          seen = n;
          ac.abort();
        }
      });
      await assert.rejects(walking, (e: any) => {
        assert.equal(e.type, 'Cancelled');
        assert.equal(e.name, 'AbortError');
        return true;
      });
      assert.ok(seen > 0);
      assert.equal((await h.ping()).protocol, 1);
    } finally {
      await h.shutdown();
    }
  });

  test('a restart rejects what is pending; the next call starts afresh', async () => {
    const h = new HelperKernel(services);
    try {
      if (!existsSync(join(root, 'fan'))) {
        fan(join(root, 'fan'));
      }
      const first = (await h.ping()).pid;
      let progressed!: () => void;
      const started = new Promise<void>(r => (progressed = r));
      const walking = h.walk('fan', { onProgress: () => progressed() });
      await started;
      void h.session!.kernel!.restart();
      await assert.rejects(walking, (e: any) => {
        assert.equal(e.type, 'KernelStopped');
        assert.equal(e.message, 'The helper kernel stopped during walk.');
        return true;
      });
      const second = (await h.ping()).pid;
      assert.notEqual(second, first);
      assert.equal((await helperSessions()).length, 1);
    } finally {
      await h.shutdown();
    }
  });

  test('a session shut down elsewhere is replaced on the next call', async () => {
    const h = new HelperKernel(services);
    try {
      await h.ping();
      const [s] = await helperSessions();
      await api(`api/sessions/${s.id}`, { method: 'DELETE' });
      // The session manager's poll notices within 10 s; do it now.
      await services.sessions.refreshRunning();
      assert.equal(h.session, null);
      await h.ping();
      const [again] = await helperSessions();
      assert.notEqual(again.id, s.id);
    } finally {
      await h.shutdown();
    }
    assert.deepEqual(await helperSessions(), []);
  });

  test('shutdownOnUnload deletes the session with a keepalive request', async () => {
    const h = new HelperKernel(services);
    await h.ping();
    assert.equal((await helperSessions()).length, 1);
    const page = new EventTarget();
    const hook = h.shutdownOnUnload(page as any);
    page.dispatchEvent(new Event('pagehide'));
    await until('the session to go', async () =>
      (await helperSessions()).length === 0 ? true : false
    );
    hook.dispose();
    h.dispose();
    assert.equal(h.isDisposed, true);
    await assert.rejects(h.ping(), (e: any) => e.type === 'Disposed');
  });
});
