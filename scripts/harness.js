// The real-JupyterLab harness used by end-to-end tests and `npm start`:
// Debian's jupyter_server + jupyterlab_server serving a JupyterLab 4 front-end
// built from npm packages, with this repository's prebuilt extension loaded
// as a federated extension. Two front ends: `current` (lab-harness/, the
// JupyterLab we develop against) and `floor` (lab-harness-4.0/, the oldest
// JupyterLab 4 that package.json's ranges accept).
//
//   node scripts/harness.js          ensure everything is installed and built
//
// ensureHarness() is idempotent: when nothing changed it only compares
// timestamps and hashes (well under a second). Concurrent callers (parallel
// test files) serialise on a lock folder.
import {
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureLabextension } from './build-labextension.js';
import {
  PYTHON,
  ROOT,
  ensureDebianPackages,
  ensureNodeModules
} from './setup.js';

export const HARNESS_DIR = join(ROOT, 'lab-harness');
export const SERVE_SCRIPT = join(HARNESS_DIR, 'serve.py');

/** Folder of each front end. */
export const HARNESSES = {
  current: HARNESS_DIR,
  floor: join(ROOT, 'lab-harness-4.0')
};
export { PYTHON };

const LOCK = join(HARNESS_DIR, '.state', 'build.lock');
const STALE_LOCK_MS = 10 * 60 * 1000;

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** True when the lock's holder is gone (killed mid-build) or it is too old. */
function lockIsStale() {
  try {
    const pid = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
    if (pid && !isAlive(pid)) {
      return true;
    }
    return Date.now() - statSync(LOCK).mtimeMs > STALE_LOCK_MS;
  } catch (err) {
    // No pid file yet: the holder is between mkdir and write; give it time.
    return err.code === 'ENOENT' && Date.now() - statSync(LOCK).mtimeMs > 5000;
  }
}

async function withLock(fn) {
  mkdirSync(join(HARNESS_DIR, '.state'), { recursive: true });
  let announced = false;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') {
        throw err;
      }
      try {
        if (lockIsStale()) {
          rmSync(LOCK, { recursive: true, force: true });
          continue;
        }
      } catch {
        // The holder removed it meanwhile.
        continue;
      }
      if (!announced) {
        log(`waiting for another build (${LOCK})`);
        announced = true;
      }
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

function log(msg) {
  process.stderr.write(`[harness] ${msg}\n`);
}

/**
 * Install and build what the harness needs, only when missing or stale:
 * Debian packages, npm packages (root and each front end's folder), the
 * front ends named in `harnesses` and (unless `extension: false`) the
 * prebuilt extension. `harnessDir` is the first one's folder.
 * @param {{ extension?: boolean, harnesses?: Array<keyof HARNESSES> }} options
 * @returns {Promise<{ python: string, serveScript: string, harnessDir: string }>}
 */
export async function ensureHarness({
  extension = true,
  harnesses = ['current']
} = {}) {
  const dirs = harnesses.map(name => {
    if (!HARNESSES[name]) {
      throw new Error(`unknown harness ${name}: ${Object.keys(HARNESSES)}`);
    }
    return HARNESSES[name];
  });
  await withLock(async () => {
    ensureDebianPackages();
    ensureNodeModules(ROOT);
    const require = createRequire(join(HARNESS_DIR, 'build.js'));
    const { harnessAt } = require('./build.js');
    for (const dir of dirs) {
      ensureNodeModules(dir);
      const harness = harnessAt(dir);
      if (!harness.isUpToDate()) {
        log(`building the JupyterLab front-end (${relative(ROOT, dir)}/build)`);
        const ms = await harness.build();
        log(`front-end built in ${(ms / 1000).toFixed(1)} s`);
      }
    }
    if (extension && ensureLabextension()) {
      log('prebuilt extension rebuilt');
    }
  });
  return { python: PYTHON, serveScript: SERVE_SCRIPT, harnessDir: dirs[0] };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  ensureHarness({ harnesses: Object.keys(HARNESSES) }).then(
    () => log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`),
    err => {
      console.error(err.message || err);
      process.exit(1);
    }
  );
}
