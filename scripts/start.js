// `npm start`: a real JupyterLab with this extension on a demo project.
//
//   npm start [-- --port 8888] [--ip 127.0.0.1] [--fresh] [--allow-hidden]
//
// Ensures Debian packages, npm packages, the prebuilt extension and the
// lab-harness front-end (each only when missing or stale), creates the demo
// project .demo/ when absent, then serves it (port 8888 or the next free one)
// and prints the URL with its token. --fresh forgets the demo's JupyterLab
// state (open tabs, user settings); --allow-hidden lets the Contents API see
// dotfiles. Further arguments after `--` go to the Jupyter server.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ensureHarness } from './harness.js';
import { ROOT, hasCommand } from './setup.js';

export const DEMO_DIR = join(ROOT, '.demo');
const STATE_DIR = join(ROOT, 'lab-harness', '.state', 'demo');
const MiB = 1024 * 1024;

function log(msg) {
  process.stderr.write(`[start] ${msg}\n`);
}

function parseArgs(argv) {
  const opts = { port: 8888, ip: '127.0.0.1', fresh: false, hidden: false };
  const extra = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--port') {
      opts.port = Number(argv[++i]);
    } else if (a === '--ip') {
      opts.ip = argv[++i];
    } else if (a === '--fresh') {
      opts.fresh = true;
    } else if (a === '--allow-hidden') {
      opts.hidden = true;
    } else if (a !== '--') {
      extra.push(a);
    }
  }
  return { opts, extra };
}

function notebook(cells) {
  return {
    cells: cells.map(([type, source], i) => ({
      cell_type: type,
      id: `demo-${i + 1}`,
      metadata: {},
      source,
      ...(type === 'code' ? { execution_count: null, outputs: [] } : {})
    })),
    metadata: {
      kernelspec: {
        display_name: 'Python 3 (ipykernel)',
        language: 'python',
        name: 'python3'
      },
      language_info: { name: 'python' }
    },
    nbformat: 4,
    nbformat_minor: 5
  };
}

function write(rel, content) {
  const path = join(DEMO_DIR, rel);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
}

/** A file of `size` bytes that takes no disk space (a hole). */
function sparse(rel, size) {
  const path = join(DEMO_DIR, rel);
  mkdirSync(join(path, '..'), { recursive: true });
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, size);
  } finally {
    closeSync(fd);
  }
}

/**
 * The demo project: a notebook that imports a helper module, in a folder that
 * breaks both Azure ML snapshot limits (over 300 MiB through data/, over 2000
 * files through .venv/), with a git repository and a .gitignore.
 */
export function createDemo() {
  log(`creating the demo project in ${DEMO_DIR}`);
  mkdirSync(DEMO_DIR, { recursive: true });
  write(
    'utils.py',
    [
      '"""Helpers imported by analysis.ipynb."""',
      '',
      '',
      'def summarize(values):',
      '    """Count, mean, min and max of a list of numbers."""',
      '    values = list(values)',
      '    return {',
      '        "count": len(values),',
      '        "mean": sum(values) / len(values) if values else None,',
      '        "min": min(values, default=None),',
      '        "max": max(values, default=None),',
      '    }',
      ''
    ].join('\n')
  );
  // Like many real projects: a .gitignore that keeps caches out of git but
  // not the data or the virtualenv, so Azure ML would upload both.
  write(
    '.gitignore',
    ['__pycache__/', '*.pyc', '.ipynb_checkpoints/', ''].join('\n')
  );
  write(
    'analysis.ipynb',
    JSON.stringify(
      notebook([
        [
          'markdown',
          '# Demo analysis\n\nThis folder is over both Azure ML snapshot limits: ' +
            '`data/` holds large files (over 300 MiB) and `.venv/` thousands of ' +
            'small ones (over 2000 files). Use **Submit** in the toolbar.'
        ],
        [
          'code',
          'from utils import summarize\n\nsummarize([3, 1, 4, 1, 5, 9, 2, 6])'
        ],
        [
          'code',
          'import os\n\n' +
            'sizes = [os.path.getsize(os.path.join(d, f))\n' +
            "         for d, _, files in os.walk('data') for f in files]\n" +
            "f'{len(sizes)} data files, {sum(sizes) / 2**20:.0f} MiB'"
        ]
      ]),
      null,
      1
    ) + '\n'
  );

  // data/: large sparse files, 448 MiB in all.
  write(
    'data/README.md',
    'Raw exports. Not needed to run the notebook remotely.\n'
  );
  sparse('data/raw/events-2024.parquet', 256 * MiB);
  sparse('data/raw/events-2025.parquet', 128 * MiB);
  sparse('data/models/checkpoint.pt', 64 * MiB);

  // .venv/: 40 packages x 60 small modules = 2400 files.
  write(
    '.venv/pyvenv.cfg',
    'home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.2\n'
  );
  write('.venv/bin/activate', '# demo virtualenv (not a real one)\n');
  const site = '.venv/lib/python3.11/site-packages';
  for (let p = 0; p < 40; p++) {
    write(`${site}/demo_pkg_${p}/__init__.py`, `"""Demo package ${p}."""\n`);
    for (let m = 1; m < 60; m++) {
      write(`${site}/demo_pkg_${p}/module_${m}.py`, `VALUE = ${p * 100 + m}\n`);
    }
  }

  // .git/: a real repository with one commit when git is available.
  if (hasCommand('git')) {
    const env = {
      ...process.env,
      GIT_AUTHOR_NAME: 'Demo',
      GIT_AUTHOR_EMAIL: 'demo@example.com',
      GIT_COMMITTER_NAME: 'Demo',
      GIT_COMMITTER_EMAIL: 'demo@example.com'
    };
    const git = (...args) =>
      spawnSync('git', ['-C', DEMO_DIR, ...args], { env, stdio: 'ignore' });
    git('init', '-q');
    git('add', 'analysis.ipynb', 'utils.py', '.gitignore');
    git('commit', '-q', '-m', 'Demo analysis');
  } else {
    write('.git/HEAD', 'ref: refs/heads/main\n');
    write(
      '.git/config',
      '[core]\n\trepositoryformatversion = 0\n\tbare = false\n'
    );
    write('.git/description', 'Demo repository\n');
  }
}

function portIsFree(port, host) {
  return new Promise(resolve => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

async function firstFreePort(start, host) {
  for (let port = start; port < start + 100; port++) {
    if (await portIsFree(port, host)) {
      return port;
    }
  }
  throw new Error(`no free port in ${start}-${start + 99}`);
}

async function main() {
  const { opts, extra } = parseArgs(process.argv.slice(2));
  const { python, serveScript } = await ensureHarness();
  if (!existsSync(join(DEMO_DIR, 'analysis.ipynb'))) {
    createDemo();
  }
  if (opts.fresh) {
    rmSync(STATE_DIR, { recursive: true, force: true });
  }
  const port = await firstFreePort(opts.port, opts.ip);
  const token = randomBytes(24).toString('hex');
  const args = [
    serveScript,
    '--root-dir',
    DEMO_DIR,
    '--state-dir',
    STATE_DIR,
    '--port',
    String(port),
    '--ip',
    opts.ip,
    '--token',
    token,
    ...(opts.hidden ? ['--allow-hidden'] : []),
    '--',
    ...extra
  ];
  const child = spawn(python, args, { stdio: 'inherit' });
  const host = opts.ip === '0.0.0.0' ? '127.0.0.1' : opts.ip;
  process.stdout.write(
    `\n  JupyterLab (snapshot-guard demo) on ${DEMO_DIR}\n` +
      `  http://${host}:${port}/lab/tree/analysis.ipynb?token=${token}\n\n`
  );
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => child.kill(sig));
  }
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

main().catch(err => {
  console.error(err.message || err);
  process.exit(1);
});
