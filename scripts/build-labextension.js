// Builds the prebuilt (federated) JupyterLab extension into
// jupyterlab_snapshot_guard/labextension/{package.json,static/,schemas/,install.json}.
//
//   node scripts/build-labextension.js [--development] [--if-stale] [--no-tsc]
//
// Python's `jupyterlab` package is not installable here, so instead of
// `jupyter labextension build` this calls @jupyterlab/builder's
// `build-labextension` directly. It needs `--core-path`: a folder whose
// package.json is JupyterLab's application manifest, which the npm package
// @jupyterlab/core-meta ships as core.package.json. The shared-module list and
// singletons of the extension come from that manifest.
//
// The builder takes each shared module's required version from the manifest,
// not from our package.json, so an extension built with the 4.6 manifest
// would demand JupyterLab 4.6. The manifest copy handed to it therefore
// carries our package.json ranges for the packages we depend on: the built
// remoteEntry requires exactly the declared floor (test/unit/floor.test.ts).
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureHelperSource } from './embed-python.js';
import { ROOT, readJson, run } from './setup.js';

const require = createRequire(import.meta.url);

export const OUTPUT_DIR = join(
  ROOT,
  readJson(join(ROOT, 'package.json')).jupyterlab.outputDir
);

/** Files and folders whose changes call for a rebuild. */
const INPUTS = [
  'src',
  'schema',
  'style',
  'package.json',
  'install.json',
  'tsconfig.json'
];

function newestMtime(path) {
  if (!existsSync(path)) {
    return 0;
  }
  const st = statSync(path);
  if (!st.isDirectory()) {
    return st.mtimeMs;
  }
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) {
    newest = Math.max(newest, newestMtime(join(path, name)));
  }
  return newest;
}

/** True when the built extension is missing or older than its sources. */
export function isLabextensionStale() {
  const marker = join(OUTPUT_DIR, 'install.json');
  if (!existsSync(marker) || !existsSync(join(OUTPUT_DIR, 'package.json'))) {
    return true;
  }
  const built = statSync(marker).mtimeMs;
  return INPUTS.some(rel => newestMtime(join(ROOT, rel)) > built);
}

/**
 * True when `tsc -p tsconfig.json` has nothing to do: its build info is newer
 * than every source (so `npm run build`, which just ran build:lib, does not
 * pay for a second no-op type check).
 */
function libIsCurrent() {
  const info = join(ROOT, 'tsconfig.tsbuildinfo');
  if (!existsSync(info) || !existsSync(join(ROOT, 'lib', 'index.js'))) {
    return false;
  }
  const built = statSync(info).mtimeMs;
  return ['src', 'tsconfig.json', 'package.json'].every(
    rel => newestMtime(join(ROOT, rel)) <= built
  );
}

/**
 * JupyterLab's core manifest with our declared ranges in place of its own
 * for every core package we depend on.
 */
export function coreManifest() {
  const core = readJson(
    require.resolve('@jupyterlab/core-meta/core.package.json')
  );
  const ours = readJson(join(ROOT, 'package.json')).dependencies;
  for (const field of ['dependencies', 'resolutions']) {
    for (const name of Object.keys(core[field] ?? {})) {
      if (ours[name]) {
        core[field][name] = ours[name];
      }
    }
  }
  return core;
}

/**
 * Compile src/ (unless lib/ is current) and bundle the prebuilt extension.
 * @param {{ development?: boolean, tsc?: boolean }} options
 */
export function buildLabextension({ development = false, tsc = true } = {}) {
  ensureHelperSource();
  if (tsc && !libIsCurrent()) {
    run(process.execPath, [
      require.resolve('typescript/bin/tsc'),
      '-p',
      'tsconfig.json'
    ]);
    run(process.execPath, [join(ROOT, 'scripts', 'bundle-cli.js')]);
    // tsc leaves its build info untouched when sources were only touched;
    // mark lib/ as checked now so the next run can skip tsc.
    const info = join(ROOT, 'tsconfig.tsbuildinfo');
    if (existsSync(info)) {
      const now = new Date();
      utimesSync(info, now, now);
    }
  }
  const corePath = mkdtempSync(join(tmpdir(), 'snapshot-guard-core-'));
  try {
    writeFileSync(
      join(corePath, 'package.json'),
      JSON.stringify(coreManifest(), null, 2)
    );
    const builder =
      require.resolve('@jupyterlab/builder/lib/build-labextension.js');
    run(process.execPath, [
      builder,
      '--core-path',
      corePath,
      ...(development ? ['--development'] : []),
      ROOT
    ]);
  } finally {
    rmSync(corePath, { recursive: true, force: true });
  }
  // The builder copies package.json, schemas and static assets; install.json
  // (how the Python package was installed) is ours to add. Written last: its
  // mtime marks a complete build.
  copyFileSync(join(ROOT, 'install.json'), join(OUTPUT_DIR, 'install.json'));
}

/** Build only when the output is missing or stale. Returns true if built. */
export function ensureLabextension() {
  if (!isLabextensionStale()) {
    return false;
  }
  buildLabextension();
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args.includes('--if-stale') && !isLabextensionStale()) {
    console.log('labextension: up to date');
  } else {
    const started = Date.now();
    buildLabextension({
      development: args.includes('--development'),
      tsc: !args.includes('--no-tsc')
    });
    console.log(
      `labextension: built ${OUTPUT_DIR} in ${((Date.now() - started) / 1000).toFixed(1)} s`
    );
  }
}
