// Issue #9, #2: the helper kernel killed (SIGKILL) in the middle of "Move
// to a clean folder", against a real Jupyter server. The guard's own steps
// are replayed through KernelAccess: copy, then undo after the failure.
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { INCOMPLETE_MARKER } from '../../src/access/folder-access.js';
import { HelperKernel } from '../../src/kernel/helper-kernel.js';
import { KernelAccess } from '../../src/kernel/kernel-access.js';
import {
  helperSessions,
  root,
  services,
  startJupyter,
  stopJupyter,
  until
} from '../helpers/jupyter-server.js';
import { makeTree } from '../helpers/tree.js';

// The helper's test gates (`_pause` in src/kernel/helper/common.py); the
// server's kernels inherit this.
const gates = join(tmpdir(), `sg-gates-${process.pid}`);
before(() => {
  mkdirSync(gates, { recursive: true });
  process.env.SNAPSHOT_GUARD_TEST_PAUSE = gates;
  return startJupyter();
});
after(() => rmSync(gates, { recursive: true, force: true }));
after(() => stopJupyter());

describe('the helper kernel killed during a copy', () => {
  test('no half file under a final name; the next helper removes the copy by its journal', async () => {
    const h = new HelperKernel(services);
    try {
      // Sparse: no disk used by the source; the copy writes until killed.
      makeTree(join(root, 'nb'), {
        'run.ipynb': '{"cells": []}',
        'data.bin': 1024 * 1024 * 1024
      });
      const access = new KernelAccess(h);
      const { pid } = await h.ping();
      const target = await access.makeUniqueFolder('nb', 'clean');
      const pairs = [
        { from: 'nb/run.ipynb', to: `${target}/run.ipynb` },
        { from: 'nb/data.bin', to: `${target}/data.bin` }
      ];
      const copying = access.copyFiles(pairs);
      copying.catch(() => undefined);
      const dir = join(root, target);
      await until('data.bin being copied', async () =>
        readdirSync(dir).some(n => n.startsWith('.sg-copy-'))
      );
      process.kill(pid, 'SIGKILL');
      await assert.rejects(copying);
      // What the user sees in the file browser meanwhile.
      const names = readdirSync(dir);
      assert.ok(!names.includes('data.bin'), names.join(', '));
      assert.ok(names.includes(INCOMPLETE_MARKER), names.join(', '));
      // The guard's undo, through whatever kernel serves next.
      const undo = await access.removeCreated([
        ...pairs.map(p => p.to),
        `${target}/`
      ]);
      assert.deepEqual(undo, { kept: [], left: [] });
      assert.ok(!existsSync(dir));
      assert.notEqual((await h.ping()).pid, pid);
    } finally {
      await h.shutdown();
    }
  });
});

describe('the helper kernel killed while it starts', () => {
  test("the server's restarter brings it back and the same call is answered", async () => {
    const gate = join(gates, 'load');
    writeFileSync(gate, '');
    const h = new HelperKernel(services);
    try {
      const pinging = h.ping();
      await until('the helper paused in its start', async () =>
        existsSync(`${gate}.paused`)
      );
      const pid = Number(readFileSync(`${gate}.paused`, 'utf8'));
      const [first] = await helperSessions();
      process.kill(pid, 'SIGKILL');
      rmSync(gate);
      assert.notEqual((await pinging).pid, pid);
      // The same session and kernel, restarted: no second kernel lingers.
      const now = await helperSessions();
      assert.deepEqual(
        now.map(s => [s.id, s.kernel.id]),
        [[first.id, first.kernel.id]]
      );
    } finally {
      rmSync(gate, { force: true });
      rmSync(`${gate}.paused`, { force: true });
      await h.shutdown();
    }
  });
});
