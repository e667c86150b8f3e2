/**
 * Faults (issue 3): the helper kernel dies in the middle of a check, shut
 * down through the REST API or killed as a process. The user gets a clear
 * error notification, and the next Submit works on a fresh helper.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  atGate,
  checkText,
  referenceCheck,
  useLab,
  writeFiles,
  writeNotebook,
  type IScenario
} from './scenario.js';

// The kill lands while the helper walks: it pauses there when the test
// opens the gate (see atGate).
const gates = mkdtempSync(join(tmpdir(), 'snapshot-guard-gates-'));
after(() => rmSync(gates, { recursive: true, force: true }));
const s = useLab('faults', {
  lab: { env: { SNAPSHOT_GUARD_TEST_PAUSE: gates } }
});

interface ISession {
  id: string;
  name: string;
  kernel: { id: string; execution_state: string };
}

async function helperSession(s: IScenario): Promise<ISession> {
  const res = await s.lab.api('/api/sessions');
  const sessions = (await res.json()) as ISession[];
  const helper = sessions.filter(x => x.name === 'Snapshot Guard helper');
  assert.equal(
    helper.length,
    1,
    `one helper session: ${JSON.stringify(sessions)}`
  );
  return helper[0];
}

/** The pid of a kernel, found by its connection file on the command line. */
function kernelPid(kernelId: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmd.includes(`kernel-${kernelId}.json`)) {
        return Number(entry);
      }
    } catch {
      // gone
    }
  }
  throw new Error(`no process for kernel ${kernelId}`);
}

/** Submit, kill the helper while it walks, and return the error shown. */
async function killMidCheck(
  s: IScenario,
  notebook: string,
  kill: (session: ISession) => Promise<void>
): Promise<string> {
  await atGate(
    gates,
    'walk',
    () => s.submit(notebook),
    async () => kill(await helperSession(s))
  );
  // The helper notices a kernel shut down through the REST API on its next
  // watchdog poll (its socket stays open), a killed process at once: wait
  // for the error, however loaded the machine.
  return s.toast('error', /could not be checked/, { timeoutMs: 60_000 });
}

/** After the fault: a normal folder checks fine. */
async function nextSubmitWorks(s: IScenario, dir: string, nb: string) {
  await s.clearToasts();
  await s.submit(nb);
  const text = await s.toast('success', /^Snapshot OK/, { timeoutMs: 30_000 });
  await s.cancelSubmitDialog(nb.split('/').pop()!);
  assert.equal(text, checkText(referenceCheck(dir)));
}

test('helper kernel shut down (REST) mid-check: error, then Submit works', t =>
  s.run(t, async () => {
    const dir = s.folder('rest');
    writeNotebook(join(dir, 'job.ipynb'));
    writeFiles(dir, { 'data/a.csv': 'a\n', 'data/b.csv': 'b\n' });
    await s.open('rest/job.ipynb');

    const error = await killMidCheck(s, 'rest/job.ipynb', async session => {
      const res = await s.lab.api(`/api/kernels/${session.kernel.id}`, {
        method: 'DELETE'
      });
      assert.equal(res.status, 204);
    });
    assert.match(
      error,
      /^The snapshot of rest could not be checked: The helper kernel stopped/
    );
    await nextSubmitWorks(s, dir, 'rest/job.ipynb');
  }));

test('helper kernel process killed mid-check: error, then Submit works', t =>
  s.run(t, async () => {
    const dir = s.folder('sigkill');
    writeNotebook(join(dir, 'job.ipynb'));
    writeFiles(dir, { 'data/a.csv': 'a\n', 'data/b.csv': 'b\n' });
    await s.open('sigkill/job.ipynb');

    const error = await killMidCheck(s, 'sigkill/job.ipynb', async session => {
      process.kill(kernelPid(session.kernel.id), 'SIGKILL');
    });
    assert.match(
      error,
      /^The snapshot of sigkill could not be checked: The helper kernel stopped/
    );
    await nextSubmitWorks(s, dir, 'sigkill/job.ipynb');
  }));

test('a long check is cancelled from its notification; the next one works', t =>
  s.run(t, async () => {
    const dir = s.folder('cancel');
    writeNotebook(join(dir, 'job.ipynb'));
    writeFiles(dir, { 'data/a.csv': 'a\n', 'data/b.csv': 'b\n' });
    await s.open('cancel/job.ipynb');
    let before!: ISession;
    // Cancelled while the helper stands in its walk.
    await atGate(
      gates,
      'walk',
      () => s.submit('cancel/job.ipynb'),
      async () => {
        before = await helperSession(s);
        await s.page
          .locator('.Toastify__toast', {
            hasText: 'Checking the snapshot of cancel'
          })
          .getByRole('button', { name: 'Cancel' })
          .click();
      }
    );
    await s.toast('info', /^The check of cancel was cancelled\.$/);
    assert.equal(await s.page.locator('.jp-Dialog').count(), 0);
    // The same helper kernel serves the next check.
    await nextSubmitWorks(s, dir, 'cancel/job.ipynb');
    assert.equal((await helperSession(s)).kernel.id, before.kernel.id);
  }));
