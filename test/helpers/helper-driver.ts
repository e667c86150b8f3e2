// Runs src/kernel/helper.py as a plain module in a short Python script.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, cleanup, tempDir } from './tree.js';

export const PYTHON = '/usr/bin/python3';

// Loaded before every driver snippet: `h` is a Helper over ROOT, `call`
// goes through dispatch() like the comm does, `out` is printed as JSON.
export const PRELUDE = String.raw`
import json, os, sys
sys.path.insert(0, os.environ['SG_HELPER_DIR'])
import helper
from helper import Helper, HelperError
ROOT = sys.argv[1]
h = Helper(ROOT)
out = {}
def call(op, **args):
    try:
        result, buffers = h.dispatch(op, args)
    except HelperError as e:
        return {'ok': False, 'error': e.payload()}
    return {'ok': True, 'result': result, 'buffers': [bytes(b).hex() for b in buffers]}
`;

export interface IPyOptions {
  helperDir?: string;
  /** Kill the script after this many ms (a hang is then a failure). */
  timeout?: number;
  /** The exit status the script must end with (default 0). */
  status?: number;
  /** More environment variables (e.g. PYTHONPATH for the Azure doubles). */
  env?: Record<string, string>;
}

/** Run a snippet after PRELUDE with `root` as argv[1]; its `out`. */
export function py(root: string, snippet: string, opts: IPyOptions = {}): any {
  const work = tempDir('sg-driver-');
  try {
    const script = join(work, 'driver.py');
    writeFileSync(script, `${PRELUDE}\n${snippet}\nprint(json.dumps(out))\n`);
    const r = spawnSync(PYTHON, [script, root], {
      encoding: 'utf8',
      env: {
        ...process.env,
        SG_HELPER_DIR: opts.helperDir ?? join(ROOT, 'src', 'kernel'),
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
