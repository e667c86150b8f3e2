/**
 * `npm start` as a newcomer runs it (issue 12): on a folder of one's own and
 * a chosen port, it prints one block once the server answers (the address,
 * how to stop, how to choose another port or folder) and nothing else that
 * looks like an address or like install/build noise; Ctrl+C stops it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT, ensureHarness, freePort } from './harness.js';
import { writeNotebook } from './scenario.js';

test('npm start -- --port N FOLDER: one block once the server answers', async t => {
  // Built first, as `npm test` does anyway: the run below then has nothing
  // to build, and a cold build cannot count against its wait.
  await ensureHarness();
  const folder = mkdtempSync(join(tmpdir(), 'snapshot-guard-start-'));
  writeNotebook(join(folder, 'mine.ipynb'));
  const port = await freePort();
  const child = spawn('npm', ['start', '--', '--port', String(port), folder], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe']
  });
  let out = '';
  let err = '';
  child.stdout.on('data', d => (out += d));
  child.stderr.on('data', d => (err += d));
  const exited = new Promise<number | null>(resolve =>
    child.once('exit', code => resolve(code))
  );
  const stop = () => {
    try {
      process.kill(-child.pid!, 'SIGINT');
    } catch {
      // Gone already.
    }
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (out.includes('Your own folder:')) {
          resolve();
        }
      };
      child.stdout.on('data', check);
      void exited.then(code =>
        reject(new Error(`npm start ended (${code}):\n${out}\n${err}`))
      );
      check();
    });
    // The block comes last: wait for its final blank line.
    await new Promise<void>(resolve => {
      const done = () => /Your own folder:.*\n\n$/.test(out) && resolve();
      child.stdout.on('data', done);
      done();
    });
    const all = `${out}\n${err}`;
    const urls = all.match(/https?:\/\/\S+/g) ?? [];
    assert.equal(urls.length, 1, `one address only:\n${all}`);
    const url = urls[0];
    assert.match(
      url,
      new RegExp(`^http://127\\.0\\.0\\.1:${port}/lab\\?token=[0-9a-f]{48}$`)
    );
    const res = await fetch(url);
    assert.equal(res.status, 200, 'the address answers');

    const block = out.slice(out.indexOf('  JupyterLab with snapshot-guard'));
    assert.equal(
      block,
      [
        `  JupyterLab with snapshot-guard is running on ${folder}:`,
        '',
        `      ${url}`,
        '',
        '  Stop it with Ctrl+C.',
        `  Another port: npm start -- --port ${port + 1}`,
        '  Your own folder: npm start -- /path/to/folder',
        '',
        ''
      ].join('\n')
    );
    // Before the block: npm's own two lines only; no install or build
    // output, no server log.
    const before = out
      .slice(0, out.indexOf(block))
      .split('\n')
      .filter(l => l.trim() !== '');
    assert.deepEqual(
      before.filter(l => !l.startsWith('> ')),
      [],
      `nothing but npm's header before the block:\n${out}`
    );
    for (const noise of [
      /npm (warn|WARN)/,
      /webpack/i,
      /\[[IWC] /,
      /ServerApp/
    ]) {
      assert.doesNotMatch(all, noise, `no ${noise} in:\n${all}`);
    }
  } finally {
    stop();
    const code = await exited;
    t.diagnostic(`npm start exited with ${code}`);
    rmSync(folder, { recursive: true, force: true });
  }
  // Ctrl+C stopped the server too.
  await assert.rejects(fetch(`http://127.0.0.1:${port}/lab`));
});
