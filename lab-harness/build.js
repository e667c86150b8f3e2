// Builds the test front-end into build/:
//   build/static/     webpack output (bundle.js + chunks), served as static files
//   build/schemas/    settings schemas of the bundled core extensions
//   build/themes/     theme assets
//   build/style.js    CSS imports of the bundled extensions (generated)
//   build/stamp.json  inputs hash, read by scripts/harness.js to skip rebuilds
//
// The module-federation host shares exactly the packages listed by the core
// manifest (@jupyterlab/core-meta's core.package.json), with the same
// singletons, so prebuilt extensions built with `build-labextension
// --core-path <that manifest>` load into it as they would into JupyterLab.
// package.json pins every @jupyterlab/* package (directly and through
// `overrides`) to the manifest's release, so the bundle is one coherent
// JupyterLab version, and @microsoft/fast-foundation to JupyterLab's locked
// 2.49.4 (2.50.0 sends @jupyter/web-components 0.16 into endless recursion).
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const webpack = require('webpack');
const { Build } = require('@jupyterlab/builder');
const baseConfig = require('@jupyterlab/builder/lib/webpack.config.base');

const HERE = __dirname;
const BUILD = path.join(HERE, 'build');
const STATIC = path.join(BUILD, 'static');
const STAMP = path.join(BUILD, 'stamp.json');
const pkg = require('./package.json');
const core = require('@jupyterlab/core-meta/core.package.json');

/** Files whose content decides the build output. */
const INPUTS = [
  'package.json',
  'package-lock.json',
  'build.js',
  'src/bootstrap.js',
  'src/main.js'
];

function inputsHash() {
  const hash = crypto.createHash('sha256');
  for (const rel of INPUTS) {
    hash.update(rel + '\0');
    hash.update(fs.readFileSync(path.join(HERE, rel)));
  }
  return hash.digest('hex');
}

// Only lab-harness/node_modules counts: Node and webpack would otherwise
// also find packages in the repository's node_modules one level up.
function isInstalled(name) {
  return fs.existsSync(path.join(HERE, 'node_modules', name, 'package.json'));
}

/** Modules bundled from outside lab-harness/ (e.g. ../node_modules). */
function foreignModules(stats) {
  const foreign = new Set();
  for (const child of stats.stats) {
    for (const module of child.compilation.modules) {
      const resource = module.resource || module.rootModule?.resource;
      if (resource && !resource.startsWith(HERE + path.sep)) {
        foreign.add(resource);
      }
    }
  }
  return [...foreign];
}

/** Share scope of the host, from the core manifest. */
function sharedModules() {
  const shared = {};
  const ranges = { ...core.dependencies, ...core.resolutions };
  for (const [name, requiredVersion] of Object.entries(ranges)) {
    // Packages of the manifest this harness does not bundle cannot be
    // provided; extensions needing them would fail as on a server without them.
    if (isInstalled(name)) {
      shared[name] = { requiredVersion };
    }
  }
  for (const name of core.jupyterlab.singletonPackages) {
    if (shared[name]) {
      shared[name].singleton = true;
    }
  }
  return shared;
}

/** Nested copies of singleton packages (npm failed to dedupe them). */
function nestedSingletons() {
  const found = [];
  const walk = (dir, depth) => {
    if (depth > 4 || !fs.existsSync(dir)) {
      return;
    }
    for (const entry of fs.readdirSync(dir)) {
      const names = entry.startsWith('@')
        ? fs.readdirSync(path.join(dir, entry)).map(n => `${entry}/${n}`)
        : [entry];
      for (const name of names) {
        const pkgDir = path.join(dir, name);
        if (depth > 0 && core.jupyterlab.singletonPackages.includes(name)) {
          found.push(path.relative(HERE, pkgDir));
        }
        walk(path.join(pkgDir, 'node_modules'), depth + 1);
      }
    }
  };
  walk(path.join(HERE, 'node_modules'), 0);
  return found;
}

function checkExtensionList() {
  const source = fs.readFileSync(path.join(HERE, 'src/main.js'), 'utf8');
  const imported = [...source.matchAll(/import\('([^']+-extension)'\)/g)].map(
    m => m[1]
  );
  const listed = pkg.jupyterlab.extensions;
  const diff = listed
    .filter(n => !imported.includes(n))
    .concat(imported.filter(n => !listed.includes(n)));
  if (diff.length) {
    throw new Error(
      `src/main.js and package.json jupyterlab.extensions differ: ${diff}`
    );
  }
  for (const name of listed) {
    if (
      core.resolutions[name].replace(/^[~^]/, '') !== pkg.dependencies[name]
    ) {
      throw new Error(
        `${name}: ${pkg.dependencies[name]} in package.json, ` +
          `${core.resolutions[name]} in the core manifest`
      );
    }
  }
}

function config() {
  const assets = Build.ensureAssets({
    packageNames: pkg.jupyterlab.extensions,
    output: BUILD
  });
  const app = {
    ...baseConfig,
    mode: 'development',
    devtool: false,
    context: HERE,
    entry: { main: './src/bootstrap.js' },
    output: {
      ...baseConfig.output,
      path: STATIC,
      filename: pathData =>
        pathData.chunk.name === 'main'
          ? 'bundle.js'
          : '[name].[contenthash].js',
      chunkFilename: '[name].[contenthash].js',
      clean: true
    },
    // No filesystem cache: writing it made a cold build 27 s instead of 8 s,
    // and it would only help rebuilds, which are rare (inputs seldom change).
    cache: false,
    plugins: [
      ...baseConfig.plugins,
      new webpack.container.ModuleFederationPlugin({
        name: 'CORE_FEDERATION',
        library: {
          type: 'var',
          name: ['_JUPYTERLAB', 'CORE_LIBRARY_FEDERATION']
        },
        shared: sharedModules()
      })
    ]
  };
  return [app, ...assets];
}

function run(configs) {
  return new Promise((resolve, reject) => {
    webpack(configs, (err, stats) => {
      if (err) {
        reject(err);
        return;
      }
      if (stats.hasErrors()) {
        reject(
          new Error(stats.toString({ all: false, errors: true, colors: false }))
        );
        return;
      }
      const foreign = foreignModules(stats);
      if (foreign.length) {
        reject(
          new Error(
            'modules resolved outside lab-harness/ (add the packages to ' +
              `lab-harness/package.json):\n${foreign.slice(0, 20).join('\n')}`
          )
        );
        return;
      }
      resolve(stats);
    });
  });
}

/** True when build/ matches the current inputs. */
function isUpToDate() {
  try {
    const stamp = JSON.parse(fs.readFileSync(STAMP, 'utf8'));
    return (
      stamp.hash === inputsHash() &&
      fs.existsSync(path.join(STATIC, 'bundle.js'))
    );
  } catch {
    return false;
  }
}

async function build() {
  const started = Date.now();
  checkExtensionList();
  const nested = nestedSingletons();
  if (nested.length) {
    throw new Error(
      'duplicate copies of singleton packages; regenerate ' +
        `lab-harness/package-lock.json:\n${nested.join('\n')}`
    );
  }
  fs.rmSync(STAMP, { force: true });
  await run(config());
  fs.writeFileSync(
    STAMP,
    JSON.stringify(
      { hash: inputsHash(), builtAt: new Date().toISOString() },
      null,
      2
    ) + '\n'
  );
  return Date.now() - started;
}

module.exports = { build, isUpToDate, BUILD, STATIC };

if (require.main === module) {
  const force = process.argv.includes('--force');
  if (!force && isUpToDate()) {
    console.log('lab-harness: build is up to date');
  } else {
    build().then(
      ms => console.log(`lab-harness: built in ${(ms / 1000).toFixed(1)} s`),
      err => {
        console.error(err.message || err);
        process.exit(1);
      }
    );
  }
}
