// HelperKernel and KernelAccess against a real Jupyter server (Debian's
// jupyter_server 1.23 with its python3 kernel), driven from Node through
// @jupyterlab/services, as the extension does in the browser.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HelperKernel } from '../../src/kernel/helper-kernel.js';
import { HelperKernelError } from '../../src/kernel/helper-protocol.js';
import { KernelAccess } from '../../src/kernel/kernel-access.js';
import { NodeFileSystem } from '../../src/node/node-fs.js';
import { scanFolder } from '../../src/snapshot/scan.js';
import {
  api,
  fan,
  helperSessions,
  root,
  services,
  sha256,
  startJupyter,
  stopJupyter,
  until
} from '../helpers/jupyter-server.js';
import { makeTree } from '../helpers/tree.js';

before(() => startJupyter());
after(() => stopJupyter());

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
      // The product's path: the streamed listing, matched where no worker
      // runs (Node) by the same engine code the worker uses.
      const viaKernel = await new KernelAccess(h).scan('project', {
        onProgress: n => progress.push(n)
      });
      const nfs = new NodeFileSystem(dir);
      // Unpruned: the kernel lists excluded folders too.
      const viaNode = await scanFolder(nfs, {
        rootId: nfs.rootId,
        prune: false
      });
      const strip = (r: typeof viaNode) => ({
        files: r.files.map(f => [f.path, f.size]).sort(),
        warnings: r.warnings.map(w => [w.kind, w.path]).sort(),
        ignoreText: r.ignoreText
      });
      assert.deepEqual(strip(viaKernel), strip(viaNode));
      assert.ok(viaKernel.files.some(f => f.path === '.git/HEAD'));
      assert.equal(viaKernel.ignoreText, 'outputs/\n');
      assert.ok(progress.length > 0);

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
        assert.equal(
          e.message,
          'The helper kernel stopped during the folder listing.'
        );
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

  test('a reload: the new page starts afresh while the old page still deletes the helper', async () => {
    const old = new HelperKernel(services);
    const { pid } = await old.ping();
    const page = new EventTarget();
    old.shutdownOnUnload(page as any);
    page.dispatchEvent(new Event('pagehide'));
    // The old page is gone; the server still lists its session while the
    // kernel shuts down, and answers the new page's start with it.
    old.session!.dispose();
    const fresh = new HelperKernel(services);
    try {
      assert.notEqual((await fresh.ping()).pid, pid);
      const sessions = await helperSessions();
      assert.deepEqual(
        sessions.map(s => s.id),
        [fresh.session!.id]
      );
    } finally {
      await fresh.shutdown();
    }
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
