// Installs what `npm start` and `npm test` need on a fresh clone: Debian
// packages (when missing) and npm packages (when the lock file changed).
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Debian packages the tests and the demo use. */
export const DEBIAN_PACKAGES = [
  'python3-jupyter-server',
  'python3-jupyterlab-server',
  'python3-ipykernel',
  'python3-pathspec',
  'python3-hatchling',
  'python3-venv',
  'python3-pip',
  'chromium',
  'zip',
  'unzip'
];

function log(msg) {
  process.stderr.write(`[setup] ${msg}\n`);
}

let quiet = false;

/**
 * Quiet: commands run by `run` keep their output (npm's install-script
 * warnings, webpack's report) to themselves unless they fail. `npm start`
 * sets it, so its last words are the address to open.
 */
export function setQuiet(value) {
  quiet = value;
}

/**
 * Run a command, its output inherited (or, when quiet, shown only if it
 * fails); throw with a clear message on failure.
 */
export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, {
    stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    cwd: ROOT,
    maxBuffer: 256 * 1024 * 1024,
    ...opts
  });
  if (r.status !== 0) {
    if (quiet) {
      process.stderr.write(r.stdout ?? '');
      process.stderr.write(r.stderr ?? '');
    }
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status})`);
  }
}

function missingDebianPackages(pkgs) {
  return pkgs.filter(p => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', p], {
      encoding: 'utf8'
    });
    return r.status !== 0 || !r.stdout.includes('install ok installed');
  });
}

export function ensureDebianPackages(pkgs = DEBIAN_PACKAGES) {
  const missing = missingDebianPackages(pkgs);
  if (missing.length === 0) {
    return;
  }
  log(`installing Debian packages: ${missing.join(' ')}`);
  const sudo = process.getuid && process.getuid() === 0 ? [] : ['sudo'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (...a) =>
    run(sudo[0] ?? 'apt-get', sudo.length ? ['apt-get', ...a] : a, { env });
  apt('update', '-qq');
  apt('install', '-y', '-qq', '--no-install-recommends', ...missing);
}

/**
 * azure-ai-ml's own ignore-file matcher (its vendored pathspec), the v2
 * conformance reference. It comes from Debian's python3-azure, fetched with
 * `apt-get download` and unpacked with `dpkg -x`, never installed (543 MB).
 * Only azure/ai/ml/_utils and the version file are kept, in
 * `.cache/python3-azure/` (git-ignored); a second call finds them there.
 * Returns the folder that holds the `azure` package.
 */
export const AZURE_AI_ML_CACHE = join(ROOT, '.cache', 'python3-azure');

export function ensureAzureAiMl() {
  const site = join(AZURE_AI_ML_CACHE, 'site');
  const marker = join(AZURE_AI_ML_CACHE, 'version');
  if (existsSync(marker)) {
    return site;
  }
  log("fetching azure-ai-ml's vendored matcher (python3-azure, not installed)");
  mkdirSync(dirname(AZURE_AI_ML_CACHE), { recursive: true });
  const work = mkdtempSync(join(dirname(AZURE_AI_ML_CACHE), 'python3-azure-'));
  try {
    const download = spawnSync('apt-get', ['download', 'python3-azure'], {
      cwd: work,
      encoding: 'utf8'
    });
    if (download.status !== 0) {
      throw new Error(
        "apt-get download python3-azure failed: Debian's package archive is " +
          'unreachable or its lists are stale (run apt-get update). The azure-ai-ml ' +
          `conformance tests need it.\n${(download.stderr || '').trim()}`
      );
    }
    const deb = readdirSync(work).find(f => f.endsWith('.deb'));
    if (!deb) {
      throw new Error('apt-get download python3-azure left no .deb file');
    }
    run('dpkg', ['-x', join(work, deb), join(work, 'x')]);
    const ml = join(work, 'x/usr/lib/python3/dist-packages/azure/ai/ml');
    const staged = join(work, 'site');
    for (const part of ['_utils', '_version.py']) {
      cpSync(join(ml, part), join(staged, 'azure/ai/ml', part), {
        recursive: true
      });
    }
    writeFileSync(join(work, 'version'), `${deb}\n`);
    // Both land at once: a cache with a version file is always complete.
    rmSync(AZURE_AI_ML_CACHE, { recursive: true, force: true });
    mkdirSync(AZURE_AI_ML_CACHE);
    renameSync(staged, site);
    renameSync(join(work, 'version'), marker);
    return site;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** `npm ci` in `dir` when node_modules is missing or older than the lock. */
export function ensureNodeModules(dir = ROOT) {
  const lock = join(dir, 'package-lock.json');
  const marker = join(dir, 'node_modules', '.package-lock.json');
  if (
    existsSync(marker) &&
    existsSync(lock) &&
    statSync(marker).mtimeMs >= statSync(lock).mtimeMs
  ) {
    return;
  }
  log(`installing npm packages in ${dir}`);
  run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir });
}

/**
 * The TypeScript compiler, run with `node` directly rather than through npx,
 * which needs a writable npm cache in HOME and can fall back to the registry.
 */
export const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** Path of the Debian Python, which has the Jupyter modules. */
export const PYTHON = '/usr/bin/python3';

export function hasCommand(cmd) {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}
