/**
 * The Python interpreters the helper kernel's tests run on: the oldest
 * supported (3.8, from pyenv), Debian's own and the newest pyenv has. A
 * missing one is still listed, with `path: null` and the reason, so tests
 * can name it and say it did not run instead of passing quietly.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface IPython {
  /** e.g. "Python 3.8.18 (pyenv)"; names the missing one too. */
  label: string;
  /** Interpreter path; null when not on this machine. */
  path: string | null;
  /** `platform.python_version()` of it, e.g. "3.8.18". */
  version: string;
  /** Why it is missing (null when present). */
  missing: string | null;
}

/** The oldest Python the helper supports (README, compatibility table). */
export const OLDEST_SUPPORTED = '3.8';

export const DEBIAN_PYTHON = '/usr/bin/python3';

const PYENV = process.env.PYENV_ROOT ?? '/root/.pyenv';

const byVersion = (a: string, b: string) => {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    if ((pa[i] ?? 0) !== (pb[i] ?? 0)) {
      return (pa[i] ?? 0) - (pb[i] ?? 0);
    }
  }
  return 0;
};

function versionOf(python: string): string | null {
  const r = spawnSync(
    python,
    ['-c', 'import platform; print(platform.python_version())'],
    { encoding: 'utf8' }
  );
  return r.status === 0 ? r.stdout.trim() : null;
}

/** pyenv's CPython 3 versions ("3.8.18", ...) with a working interpreter. */
function pyenvVersions(): string[] {
  const dir = join(PYENV, 'versions');
  if (!existsSync(dir)) {
    return [];
  }
  return readdirSync(dir)
    .filter(v => /^3\.\d+\.\d+$/.test(v))
    .filter(v => existsSync(join(dir, v, 'bin', 'python')))
    .sort(byVersion);
}

function pyenvPython(version: string): IPython {
  const path = join(PYENV, 'versions', version, 'bin', 'python');
  return {
    label: `Python ${version} (pyenv)`,
    path,
    version: versionOf(path) ?? version,
    missing: null
  };
}

/** Oldest supported, Debian's, newest available; each listed once. */
export function helperPythons(): IPython[] {
  const versions = pyenvVersions();
  const out: IPython[] = [];
  const oldest = versions.filter(
    v =>
      byVersion(v, OLDEST_SUPPORTED) >= 0 &&
      v.startsWith(`${OLDEST_SUPPORTED}.`)
  );
  if (oldest.length) {
    out.push(pyenvPython(oldest[oldest.length - 1]));
  } else {
    out.push({
      label: `Python ${OLDEST_SUPPORTED} (MISSING: not run)`,
      path: null,
      version: OLDEST_SUPPORTED,
      missing: `no Python ${OLDEST_SUPPORTED}.* under ${PYENV}/versions`
    });
  }
  const debian = versionOf(DEBIAN_PYTHON);
  out.push(
    debian
      ? {
          label: `Python ${debian} (Debian)`,
          path: DEBIAN_PYTHON,
          version: debian,
          missing: null
        }
      : {
          label: 'Python (Debian, MISSING: not run)',
          path: null,
          version: '3',
          missing: `${DEBIAN_PYTHON} does not run`
        }
  );
  const newest = versions[versions.length - 1];
  if (
    newest &&
    byVersion(newest, out[0].version) > 0 &&
    (!debian || byVersion(newest, debian) > 0)
  ) {
    out.push(pyenvPython(newest));
  } else {
    out.push({
      label: 'newest Python (MISSING: not run)',
      path: null,
      version: '3',
      missing: `no Python newer than Debian's under ${PYENV}/versions`
    });
  }
  return out;
}

/** True when `python` can import every module named. */
export function canImport(python: string, modules: string[]): boolean {
  const r = spawnSync(python, ['-c', `import ${modules.join(', ')}`], {
    stdio: 'ignore'
  });
  return r.status === 0;
}
