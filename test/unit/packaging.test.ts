/**
 * Python packaging: `pip install .` into a fresh venv (Debian's Python,
 * --system-site-packages, no build isolation, no index) installs the prebuilt
 * extension where JupyterLab looks for it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';

const PYTHON = '/usr/bin/python3';
const NAME = 'jupyterlab-snapshot-guard';

function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (
      existsSync(pkg) &&
      JSON.parse(readFileSync(pkg, 'utf8')).name === NAME
    ) {
      return dir;
    }
    if (dirname(dir) === dir) {
      throw new Error(`repository root not found above ${start}`);
    }
  }
}

const ROOT = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
const BUILT = join(ROOT, 'jupyterlab_snapshot_guard', 'labextension');

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8' });
  assert.equal(
    r.status,
    0,
    `${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`
  );
  return r.stdout;
}

let venv: string;

before(async () => {
  const script = (p: string) => pathToFileURL(join(ROOT, 'scripts', p)).href;
  const setup = await import(script('setup.js'));
  setup.ensureDebianPackages([
    'python3-venv',
    'python3-pip',
    'python3-hatchling',
    'python3-jupyterlab-server'
  ]);
  if (!existsSync(join(BUILT, 'install.json'))) {
    const builder = await import(script('build-labextension.js'));
    builder.buildLabextension();
  }
  venv = mkdtempSync(join(tmpdir(), 'snapshot-guard-venv-'));
  run(PYTHON, ['-m', 'venv', '--system-site-packages', venv]);
});

after(() => {
  if (venv) {
    rmSync(venv, { recursive: true, force: true });
  }
});

test('pip install . puts the prebuilt extension in share/jupyter/labextensions', () => {
  run(join(venv, 'bin', 'pip'), [
    'install',
    '--no-build-isolation',
    '--no-index',
    // jupyterlab (our one dependency) is not installable here: Debian serves
    // JupyterLab's server parts only.
    '--no-deps',
    '--no-cache-dir',
    '--disable-pip-version-check',
    '--quiet',
    '.'
  ]);

  const dest = join(venv, 'share', 'jupyter', 'labextensions', NAME);
  for (const rel of [
    'package.json',
    'install.json',
    join('static', 'style.js'),
    join('schemas', NAME, 'plugin.json')
  ]) {
    assert.ok(existsSync(join(dest, rel)), `${rel} installed`);
  }

  const pkg = JSON.parse(readFileSync(join(dest, 'package.json'), 'utf8'));
  assert.equal(pkg.name, NAME);
  assert.match(pkg.jupyterlab._build.load, /^static\/remoteEntry\.\w+\.js$/);
  assert.ok(existsSync(join(dest, pkg.jupyterlab._build.load)));
  assert.equal(pkg.jupyterlab._build.extension, './extension');
  assert.ok(readdirSync(join(dest, 'static')).length >= 3);

  const install = JSON.parse(readFileSync(join(dest, 'install.json'), 'utf8'));
  assert.equal(install.packageManager, 'python');
  assert.equal(install.packageName, 'jupyterlab_snapshot_guard');

  const schema = JSON.parse(
    readFileSync(join(dest, 'schemas', NAME, 'plugin.json'), 'utf8')
  );
  assert.deepEqual(
    schema['jupyter.lab.toolbars'].Notebook.map((i: any) => i.command),
    ['snapshot-guard:submit']
  );

  // The Python side: module metadata, and discovery as JupyterLab's server
  // does it from the venv's data path.
  const py = join(venv, 'bin', 'python');
  const out = run(py, [
    '-c',
    [
      'import json, sys',
      'import jupyterlab_snapshot_guard as m',
      'from jupyterlab_server.config import get_federated_extensions',
      'exts = get_federated_extensions([sys.prefix + "/share/jupyter/labextensions"])',
      `ext = exts['${NAME}']`,
      'from importlib.metadata import requires',
      'print(json.dumps({"version": m.__version__, "paths": m._jupyter_labextension_paths(), "install": ext["install"]["packageName"], "requires": requires("jupyterlab_snapshot_guard")}))'
    ].join('\n')
  ]);
  const info = JSON.parse(out);
  assert.equal(
    info.version,
    JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version
  );
  assert.deepEqual(info.paths, [{ src: 'labextension', dest: NAME }]);
  assert.deepEqual(
    info.requires,
    ['jupyterlab<5,>=4.0.0'],
    'the JupyterLab range matches package.json (^4.0.0)'
  );
  assert.equal(info.install, 'jupyterlab_snapshot_guard');
});
