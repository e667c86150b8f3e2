// The demo project `npm start` opens: a notebook that imports a helper
// module, in a folder over both Azure ML snapshot limits.
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  writeFileSync
} from 'node:fs';
import { join } from 'node:path';
import { PYTHON, hasCommand } from './setup.js';

const MiB = 1024 * 1024;

/**
 * The `language_info` the python3 kernel reports. JupyterLab writes it into
 * the notebook when the kernel connects; a notebook that already holds it
 * opens unmodified.
 */
function kernelLanguageInfo() {
  const r = spawnSync(
    PYTHON,
    [
      '-c',
      'import json; from ipykernel.ipkernel import IPythonKernel; ' +
        'print(json.dumps(IPythonKernel.language_info))'
    ],
    {
      encoding: 'utf8',
      env: { ...process.env, PYDEVD_DISABLE_FILE_VALIDATION: '1' }
    }
  );
  try {
    return JSON.parse(r.stdout);
  } catch {
    return { name: 'python' };
  }
}

function notebook(cells, languageInfo) {
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
      language_info: languageInfo
    },
    nbformat: 4,
    nbformat_minor: 5
  };
}

function writeFile(dir, rel, content) {
  const path = join(dir, rel);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
}

/** A file of `size` bytes that takes no disk space (a hole). */
function sparseFile(dir, rel, size) {
  const path = join(dir, rel);
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
export function createDemo(dir) {
  mkdirSync(dir, { recursive: true });
  const write = (rel, content) => writeFile(dir, rel, content);
  const sparse = (rel, size) => sparseFile(dir, rel, size);
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
      notebook(
        [
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
        ],
        kernelLanguageInfo()
      ),
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
      spawnSync('git', ['-C', dir, ...args], { env, stdio: 'ignore' });
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
