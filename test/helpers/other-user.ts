/**
 * Running a program as another user, for tests about unreadable files: root
 * reads everything, so as root such tests drop to `nobody`. That user must
 * reach the program and the files it runs on, wherever the checkout lives
 * (often under a mode-700 folder: `mktemp -d`, a home folder) and wherever
 * TMPDIR points. So the program runs from a copy in a temporary folder that
 * everyone can enter, and the checkout's permissions are never touched.
 */
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync
} from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { ROOT, makeTree } from './tree.js';

/** True when this process runs as root and so must drop privileges. */
const IS_ROOT = process.getuid?.() === 0;
const OTHER_USER = 'nobody';
const OTHER_GROUP = 'nogroup';

/**
 * Whether a user who is neither the owner nor in the group can enter `path`
 * (every folder on the way has the others' execute bit).
 */
function othersCanEnter(path: string): boolean {
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    try {
      if ((statSync(dir).mode & 0o001) === 0) {
        return false;
      }
    } catch {
      return false;
    }
    if (dirname(dir) === dir) {
      return true;
    }
  }
}

/**
 * A fresh temporary folder (mode 755) that another user can enter: under
 * TMPDIR when that is reachable, otherwise under the first system temporary
 * folder that is. Remove it with `cleanup()`.
 */
export function sharedTempDir(prefix = 'sg-shared-'): string {
  const bases = [tmpdir(), '/tmp', '/var/tmp', '/dev/shm'];
  const base = bases.find(othersCanEnter);
  if (!base) {
    throw new Error(`no temporary folder that others can enter: ${bases}`);
  }
  const dir = mkdtempSync(join(base, prefix));
  chmodSync(dir, 0o755);
  return dir;
}

/**
 * A `sharedTempDir` holding `files` (see `makeTree`), readable by the other
 * user whatever the umask: folders 755, files 644. Tests then lock what they
 * mean to lock.
 */
export function sharedTree(
  files: Record<string, string | number>,
  prefix = 'sg-shared-'
): string {
  const dir = sharedTempDir(prefix);
  makeTree(dir, files);
  const open = (path: string): void => {
    for (const name of readdirSync(path)) {
      const abs = join(path, name);
      const isDir = lstatSync(abs).isDirectory();
      chmodSync(abs, isDir ? 0o755 : 0o644);
      if (isDir) {
        open(abs);
      }
    }
  };
  open(dir);
  return dir;
}

/**
 * `[command, args]` running `argv` as another user when this process is
 * root; otherwise as is, since an ordinary user is already bound by file
 * permissions. `argv[0]` and the files it needs must be readable by others.
 */
export function asOtherUser(argv: string[]): [string, string[]] {
  if (!IS_ROOT) {
    return [argv[0], argv.slice(1)];
  }
  return [
    'setpriv',
    [
      `--reuid=${OTHER_USER}`,
      `--regid=${OTHER_GROUP}`,
      '--clear-groups',
      ...argv
    ]
  ];
}

/** Make everything under `path` readable (and folders enterable) by all. */
function openUp(path: string): void {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) {
    return;
  }
  if (st.isDirectory()) {
    chmodSync(path, 0o755);
    for (const name of readdirSync(path)) {
      openUp(join(path, name));
    }
  } else {
    chmodSync(path, st.mode & 0o100 ? 0o755 : 0o644);
  }
}

/** Relative and package imports of a compiled ES module. */
function importsOf(file: string): string[] {
  const code = readFileSync(file, 'utf8');
  const specs: string[] = [];
  const re =
    /(?:^|[;\n])\s*(?:import|export)\s[\w$*{},\s]*?from\s*['"]([^'"]+)['"]|(?:^|[;\n])\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of code.matchAll(re)) {
    specs.push(m[1] ?? m[2] ?? m[3]);
  }
  return specs;
}

/** `fflate` of `fflate/esm`, `@scope/pkg` of `@scope/pkg/x`. */
function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const isBuiltin = (spec: string) =>
  spec.startsWith('node:') || builtinModules.includes(packageName(spec));

/**
 * The files `entry` loads (following relative imports) and the npm
 * packages it needs (with their own dependencies), relative to ROOT.
 */
function moduleClosure(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) {
      return;
    }
    files.add(file);
    for (const spec of importsOf(file)) {
      if (spec.startsWith('.')) {
        visit(resolve(dirname(file), spec));
      } else if (!isBuiltin(spec)) {
        addPackage(packageName(spec));
      }
    }
  };
  const addPackage = (name: string) => {
    if (packages.has(name)) {
      return;
    }
    const manifest = join(ROOT, 'node_modules', name, 'package.json');
    if (!existsSync(manifest)) {
      // Installed inside the package that needs it, copied along with it.
      return;
    }
    packages.add(name);
    const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
    Object.keys(pkg.dependencies ?? {}).forEach(addPackage);
  };
  visit(entry);
  return {
    files: [...files].map(f => relative(ROOT, f)),
    packages: [...packages].map(p => join('node_modules', p))
  };
}

export interface ISharedCli {
  /** `[node, cli]`: argv prefix that runs the copied command line. */
  argv: string[];
  /** The copy's folder. */
  dir: string;
}

let sharedCliCopy: ISharedCli | undefined;

/**
 * A copy of the built command line (bin/snapshot-guard.js, the lib/ modules
 * it imports, its npm packages) in a folder everyone can read, made once per
 * test process and removed when it exits. Node itself is copied too when
 * others cannot reach it (e.g. under a home folder).
 */
export function sharedCli(): ISharedCli {
  if (sharedCliCopy) {
    return sharedCliCopy;
  }
  const dir = sharedTempDir('sg-cli-copy-');
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const entry = join(ROOT, 'bin', 'snapshot-guard.js');
  const { files, packages } = moduleClosure(entry);
  for (const rel of [...files, ...packages]) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    cpSync(join(ROOT, rel), join(dir, rel), {
      recursive: true,
      dereference: true
    });
  }
  // The module type of bin/ and lib/ comes from the nearest package.json.
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  let node = process.execPath;
  if (!othersCanEnter(dirname(node)) || !(statSync(node).mode & 0o001)) {
    node = join(dir, 'node', basename(node));
    mkdirSync(dirname(node));
    copyFileSync(process.execPath, node);
  }
  openUp(dir);
  sharedCliCopy = { argv: [node, join(dir, 'bin', 'snapshot-guard.js')], dir };
  return sharedCliCopy;
}
