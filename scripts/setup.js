// Installs what `npm start` and `npm test` need on a fresh clone: Debian
// packages (when missing) and npm packages (when the lock file changed).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
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
