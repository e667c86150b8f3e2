// Runs the helper kernel's Python as a plain module `helper` in short
// Python scripts. The module is HELPER_SOURCE: the parts of
// src/kernel/helper/ joined by scripts/embed-python.js, the very text the
// helper kernel runs (helper-py.test.ts checks both).
import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HELPER_SOURCE } from '../../src/kernel/helper-source.js';
import { asOtherUser, sharedTempDir } from './other-user.js';
import { cleanup, tempDir } from './tree.js';

export const PYTHON = '/usr/bin/python3';

let moduleDir: string | undefined;

/**
 * A folder holding `helper.py` (HELPER_SOURCE), made once per test process
 * and removed when it exits; the other user (other-user.ts) can read it.
 */
export function helperDir(): string {
  if (moduleDir === undefined) {
    const dir = sharedTempDir('sg-helper-module-');
    writeFileSync(join(dir, 'helper.py'), HELPER_SOURCE);
    chmodSync(join(dir, 'helper.py'), 0o644);
    process.on('exit', () => cleanup(dir));
    moduleDir = dir;
  }
  return moduleDir;
}

/** The path of that `helper.py`. */
export function helperFile(): string {
  return join(helperDir(), 'helper.py');
}

// Loaded before every driver snippet: `h` is a Helper over ROOT, `call`
// goes through dispatch() like the comm does (request buffers included),
// `out` is printed as JSON.
export const PRELUDE = String.raw`
import json, os, sys
sys.path.insert(0, os.environ['SG_HELPER_DIR'])
import helper
from helper import Helper, HelperError
ROOT = sys.argv[1]
h = Helper(ROOT)
out = {}
def call(op, buffers=None, **args):
    try:
        result, bufs = h.dispatch(op, args, buffers=buffers)
    except HelperError as e:
        return {'ok': False, 'error': e.payload()}
    return {'ok': True, 'result': result, 'buffers': [bytes(b).hex() for b in bufs]}
`;

export interface IPyOptions {
  /** The interpreter (default PYTHON). */
  python?: string;
  /**
   * Run as a user without root's rights (see other-user.ts); the tree must
   * then be in a folder that user can enter.
   */
  asOtherUser?: boolean;
  /** Only PATH and `env`, none of this process's environment. */
  bareEnv?: boolean;
  /** Kill the script after this many ms (a hang is then a failure). */
  timeout?: number;
  /** The exit status the script must end with (default 0). */
  status?: number;
  /** More environment variables (e.g. PYTHONPATH for the Azure doubles). */
  env?: Record<string, string>;
}

/**
 * Run a snippet after PRELUDE with `root` as argv[1]: its `out`, or its
 * output when a non-zero `status` was expected.
 */
export function py(root: string, snippet: string, opts: IPyOptions = {}): any {
  const work = opts.asOtherUser
    ? sharedTempDir('sg-driver-')
    : tempDir('sg-driver-');
  try {
    const script = join(work, 'driver.py');
    writeFileSync(script, `${PRELUDE}\n${snippet}\nprint(json.dumps(out))\n`);
    chmodSync(script, 0o644);
    const argv = [opts.python ?? PYTHON, script, root];
    const [cmd, args] = opts.asOtherUser
      ? asOtherUser(argv)
      : [argv[0], argv.slice(1)];
    const r = spawnSync(cmd, args, {
      encoding: 'utf8',
      // The other user may not be able to enter the current folder.
      cwd: '/',
      env: {
        ...(opts.bareEnv ? { PATH: process.env.PATH } : process.env),
        SG_HELPER_DIR: helperDir(),
        PYTHONDONTWRITEBYTECODE: '1',
        ...opts.env
      },
      timeout: opts.timeout,
      maxBuffer: 64 * 1024 * 1024
    });
    if (r.error) {
      throw new Error(`python did not finish: ${r.error.message}`);
    }
    if (r.status !== (opts.status ?? 0)) {
      throw new Error(`python failed (${r.status}): ${r.stderr}`);
    }
    return r.status === 0 ? JSON.parse(r.stdout) : r.stdout;
  } finally {
    cleanup(work);
  }
}

/**
 * Python for `py()`: make a copy folder `base` in `parent` and copy
 * `pairs` into it, the kernel dying (os._exit, like SIGKILL: no cleanup)
 * 1000 bytes into the copy of file number `dieAt` (1-based).
 */
export function dyingCopy(
  parent: string,
  base: string,
  pairs: Array<[string, string]>,
  dieAt: number
): string {
  const list = pairs
    .map(([src, dst]) => `{'src': '${src}', 'dst': c + '/${dst}'}`)
    .join(', ');
  return String.raw`
c = call('mkdir_unique', parent='${parent}', base='${base}')['result']
real = helper._copy_data
calls = []
def dying(fin, fout, h):
    calls.append(1)
    if len(calls) < ${dieAt}:
        return real(fin, fout, h)
    fout.write(fin.read(1000))
    fout.flush()
    os._exit(9)
helper._copy_data = dying
call('copy_files', pairs=[${list}])
`;
}
