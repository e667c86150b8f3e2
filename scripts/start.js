// `npm start`: a real JupyterLab with this extension, on the demo project or
// on a folder of yours.
//
//   npm start [-- [FOLDER] [--port 8888] [--ip 127.0.0.1] [--fresh]
//                 [--allow-hidden] [--verbose] [server options…]]
//
// Ensures Debian packages, npm packages, the prebuilt extension and the
// lab-harness front-end (each only when missing or stale), creates the demo
// project .demo/ when absent (unless FOLDER is given), then serves it (port
// 8888 or the next free one). What the setup prints is kept back unless a
// step fails; once the server answers, one block says where to go, how to
// stop and how to choose another port or folder. --fresh forgets the
// JupyterLab state of that folder (open tabs, user settings);
// --allow-hidden lets the Contents API see dotfiles; --verbose shows all
// output, the server's log included. Options starting with `--` that are
// not ours (e.g. --ServerApp.log_level=INFO) go to the Jupyter server.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { createDemo } from './demo.js';
import { ensureHarness } from './harness.js';
import { ROOT, setQuiet } from './setup.js';

export const DEMO_DIR = join(ROOT, '.demo');
const STATE_ROOT = join(ROOT, 'lab-harness', '.state');
/** How long the server may take to answer. */
const READY_TIMEOUT_MS = 120_000;

function log(msg) {
  process.stderr.write(`[start] ${msg}\n`);
}

class UsageError extends Error {}

function parseArgs(argv) {
  const opts = {
    port: 8888,
    ip: '127.0.0.1',
    folder: null,
    fresh: false,
    hidden: false,
    verbose: false
  };
  const extra = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--port') {
      opts.port = Number(argv[++i]);
      if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535) {
        throw new UsageError(`--port needs a port number, not ${argv[i]}`);
      }
    } else if (a === '--ip') {
      opts.ip = argv[++i];
    } else if (a === '--fresh') {
      opts.fresh = true;
    } else if (a === '--allow-hidden') {
      opts.hidden = true;
    } else if (a === '--verbose') {
      opts.verbose = true;
    } else if (a === '--') {
      continue;
    } else if (!a.startsWith('-') && opts.folder === null) {
      opts.folder = a;
    } else {
      extra.push(a);
    }
  }
  return { opts, extra };
}

/**
 * Hold back what this process prints (webpack and the builders run in it)
 * except the one-line progress notes of the setup; `flush` shows it all,
 * after a failure.
 */
function holdOutput() {
  const held = [];
  const originals = {
    stdout: process.stdout.write.bind(process.stdout),
    stderr: process.stderr.write.bind(process.stderr)
  };
  for (const name of ['stdout', 'stderr']) {
    process[name].write = (chunk, ...rest) => {
      const text = String(chunk);
      if (/^\[(setup|harness|start)\] /.test(text)) {
        return originals.stderr(text, ...rest);
      }
      held.push([name, text]);
      const callback = rest.find(r => typeof r === 'function');
      callback?.();
      return true;
    };
  }
  const restore = () => {
    process.stdout.write = originals.stdout;
    process.stderr.write = originals.stderr;
  };
  return {
    release: restore,
    flush: () => {
      restore();
      for (const [name, text] of held) {
        process[name].write(text);
      }
    }
  };
}

function portIsFree(port, host) {
  return new Promise(resolve => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

async function firstFreePort(start, host) {
  for (let port = start; port < start + 100 && port <= 65535; port++) {
    if (await portIsFree(port, host)) {
      return port;
    }
  }
  throw new UsageError(`no free port in ${start}-${start + 99}`);
}

/** The folder to serve and where its JupyterLab state lives. */
function chooseRoot(opts) {
  if (opts.folder === null) {
    if (!existsSync(join(DEMO_DIR, 'analysis.ipynb'))) {
      log(`creating the demo project in ${DEMO_DIR}`);
      createDemo(DEMO_DIR);
    }
    return {
      root: DEMO_DIR,
      state: join(STATE_ROOT, 'demo'),
      open: 'lab/tree/analysis.ipynb'
    };
  }
  const root = resolve(opts.folder);
  let st;
  try {
    st = statSync(root);
  } catch {
    throw new UsageError(`no such folder: ${root}`);
  }
  if (!st.isDirectory()) {
    throw new UsageError(`not a folder: ${root}`);
  }
  // One state folder per served folder: its tabs and settings stay its own.
  const id = createHash('sha256').update(root).digest('hex').slice(0, 12);
  return { root, state: join(STATE_ROOT, `folder-${id}`), open: 'lab' };
}

/** Resolves true once JupyterLab's page answers, false if the child ends. */
async function waitUntilReady(url, child) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      return false;
    }
    try {
      const res = await fetch(url, { redirect: 'manual' });
      if (res.status === 200) {
        return true;
      }
    } catch {
      // Not listening yet.
    }
    await new Promise(r => setTimeout(r, 200));
  }
  return false;
}

async function main() {
  const { opts, extra } = parseArgs(process.argv.slice(2));
  const held = opts.verbose ? null : holdOutput();
  setQuiet(!opts.verbose);
  let python, serveScript;
  try {
    ({ python, serveScript } = await ensureHarness());
  } catch (err) {
    held?.flush();
    throw err;
  }
  held?.release();

  const { root, state, open } = chooseRoot(opts);
  if (opts.fresh) {
    rmSync(state, { recursive: true, force: true });
  }
  const port = await firstFreePort(opts.port, opts.ip);
  const token = randomBytes(24).toString('hex');
  const args = [
    serveScript,
    '--root-dir',
    root,
    '--state-dir',
    state,
    '--port',
    String(port),
    '--ip',
    opts.ip,
    '--token',
    token,
    ...(opts.hidden ? ['--allow-hidden'] : []),
    '--',
    // Warnings and errors only; the startup banner with its second,
    // masked address is left out (it comes before the server answers).
    ...(opts.verbose ? [] : ['--ServerApp.log_level=WARN']),
    ...extra
  ];
  // Its own process group: Ctrl+C reaches only this script, which stops the
  // server with SIGTERM (on SIGINT Jupyter would ask for a confirmation).
  const child = spawn(python, args, {
    stdio: ['ignore', opts.verbose ? 'inherit' : 'pipe', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
    detached: true
  });
  let startup = '';
  let started = false;
  const onOutput = chunk => {
    if (started || opts.verbose) {
      process.stderr.write(chunk);
    } else {
      startup += chunk;
    }
  };
  child.stdout?.on('data', onOutput);
  child.stderr.on('data', onOutput);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => child.kill('SIGTERM'));
  }
  child.on('exit', (code, signal) => {
    if (!started) {
      process.stderr.write(startup);
      log(
        `the Jupyter server stopped before it answered (${signal ?? `exit ${code}`})`
      );
    }
    process.exit(code ?? (signal ? 1 : 0));
  });

  const host = opts.ip === '0.0.0.0' ? '127.0.0.1' : opts.ip;
  const base = `http://${host}:${port}`;
  if (!(await waitUntilReady(`${base}/lab?token=${token}`, child))) {
    if (child.exitCode === null && child.signalCode === null) {
      process.stderr.write(startup);
      log(
        `the Jupyter server did not answer within ${READY_TIMEOUT_MS / 1000} s`
      );
      child.kill('SIGTERM');
    }
    return;
  }
  started = true;
  const what = opts.folder === null ? `the demo project (${root})` : root;
  const taken = port === opts.port ? '' : ` (port ${opts.port} was taken)`;
  process.stdout.write(
    [
      '',
      `  JupyterLab with snapshot-guard is running on ${what}:`,
      '',
      `      ${base}/${open}?token=${token}`,
      '',
      `  Stop it with Ctrl+C.`,
      `  Another port: npm start -- --port ${port + 1}${taken}`,
      '  Your own folder: npm start -- /path/to/folder',
      '',
      ''
    ].join('\n')
  );
}

main().catch(err => {
  if (err instanceof UsageError) {
    log(err.message);
  } else {
    console.error(err.message || err);
  }
  process.exit(1);
});
