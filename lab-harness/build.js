// Builds a test front-end into <harness>/build/:
//   build/static/      webpack output (bundle.js + chunks), served as static files
//   build/schemas/     settings schemas of the bundled core extensions
//   build/themes/      theme assets
//   build/style.js     CSS imports of the bundled extensions (generated)
//   build/extensions.js  loaders of the bundled core extensions (generated)
//   build/stamp.json   inputs hash, read by scripts/harness.js to skip rebuilds
//
//   node lab-harness/build.js [harness-dir] [--force]
//
// Two harnesses share this script and src/: lab-harness/ (the current
// JupyterLab) and lab-harness-4.0/ (the oldest JupyterLab 4, the extension's
// declared floor). Each has its own package.json, lock and node_modules.
//
// The module-federation host shares exactly the packages listed by the core
// manifest (@jupyterlab/core-meta's core.package.json), with the same
// singletons, so prebuilt extensions built with `build-labextension
// --core-path <that manifest>` load into it as they would into JupyterLab.
// core-meta is not published for JupyterLab 4.0, so a harness without it uses
// lab-harness/'s manifest for the list of names and singletons, each
// required at the version it installed.
// package.json pins every @jupyterlab/* package (directly and through
// `overrides`) to one release, so the bundle is one coherent JupyterLab
// version; lab-harness/ pins @microsoft/fast-foundation to JupyterLab's locked
// 2.49.4 (2.50.0 sends @jupyter/web-components 0.16 into endless recursion).
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const { createRequire } = require('module');
const path = require('path');

const SHARED_SRC = path.join(__dirname, 'src');

/** The build of the harness in `dir` (lab-harness/ by default). */
function harnessAt(dir = __dirname) {
  const HERE = path.resolve(dir);
  const BUILD = path.join(HERE, 'build');
  const STATIC = path.join(BUILD, 'static');
  const STAMP = path.join(BUILD, 'stamp.json');
  const pkg = JSON.parse(
    fs.readFileSync(path.join(HERE, 'package.json'), 'utf8')
  );
  // webpack and the builder come from the harness's own node_modules.
  const local = createRequire(path.join(HERE, 'package.json'));
  const ownManifest = isInstalled('@jupyterlab/core-meta');
  const core = require(
    require.resolve('@jupyterlab/core-meta/core.package.json', {
      paths: [ownManifest ? HERE : __dirname]
    })
  );

  /** Files whose content decides the build output. */
  const INPUTS = [
    path.join(HERE, 'package.json'),
    path.join(HERE, 'package-lock.json'),
    __filename,
    path.join(SHARED_SRC, 'bootstrap.js'),
    path.join(SHARED_SRC, 'main.js')
  ];

  function inputsHash() {
    const hash = crypto.createHash('sha256');
    for (const file of INPUTS) {
      hash.update(path.relative(HERE, file) + '\0');
      hash.update(fs.readFileSync(file));
    }
    return hash.digest('hex');
  }

  // Only this harness's node_modules counts: Node and webpack would otherwise
  // also find packages in the repository's node_modules one level up.
  function isInstalled(name) {
    return fs.existsSync(path.join(HERE, 'node_modules', name, 'package.json'));
  }

  function installedVersion(name) {
    const file = path.join(HERE, 'node_modules', name, 'package.json');
    return JSON.parse(fs.readFileSync(file, 'utf8')).version;
  }

  /**
   * Modules bundled from outside this harness (e.g. ../node_modules); the
   * shared lab-harness/src is the one folder allowed.
   */
  function foreignModules(stats) {
    const foreign = new Set();
    for (const child of stats.stats) {
      for (const module of child.compilation.modules) {
        const resource = module.resource || module.rootModule?.resource;
        if (
          resource &&
          path.isAbsolute(resource) &&
          !resource.startsWith(HERE + path.sep) &&
          !resource.startsWith(SHARED_SRC + path.sep)
        ) {
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
        shared[name] = {
          requiredVersion: ownManifest
            ? requiredVersion
            : `~${installedVersion(name)}`
        };
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

  /**
   * build/extensions.js: a loader per core extension of package.json's
   * `jupyterlab.extensions` (each is a separate chunk, as in JupyterLab).
   */
  function writeExtensionList() {
    const listed = pkg.jupyterlab.extensions;
    for (const name of listed) {
      if (
        ownManifest &&
        core.resolutions[name].replace(/^[~^]/, '') !== pkg.dependencies[name]
      ) {
        throw new Error(
          `${name}: ${pkg.dependencies[name]} in package.json, ` +
            `${core.resolutions[name]} in the core manifest`
        );
      }
    }
    const lines = listed.map(
      name => `  ${JSON.stringify(name)}: () => import(${JSON.stringify(name)})`
    );
    fs.mkdirSync(BUILD, { recursive: true });
    fs.writeFileSync(
      path.join(BUILD, 'extensions.js'),
      `// Generated by lab-harness/build.js from package.json.\n` +
        `export default {\n${lines.join(',\n')}\n};\n`
    );
  }

  function config() {
    const webpack = local('webpack');
    const { Build } = local('@jupyterlab/builder');
    const baseConfig = local('@jupyterlab/builder/lib/webpack.config.base');
    const assets = Build.ensureAssets({
      packageNames: pkg.jupyterlab.extensions,
      output: BUILD
    });
    const app = {
      ...baseConfig,
      mode: 'development',
      devtool: false,
      context: HERE,
      entry: { main: path.join(SHARED_SRC, 'bootstrap.js') },
      resolve: {
        ...baseConfig.resolve,
        // Packages come from this harness only, also for the shared src/.
        modules: [path.join(HERE, 'node_modules')],
        // src/main.js imports this harness's generated modules through it.
        alias: { 'lab-harness-build': BUILD }
      },
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
    // Theme configs name loaders without a context: find them here too.
    return [app, ...assets].map(c => ({
      ...c,
      context: HERE,
      resolveLoader: { modules: [path.join(HERE, 'node_modules')] }
    }));
  }

  function run(configs) {
    return new Promise((resolve, reject) => {
      local('webpack')(configs, (err, stats) => {
        if (err) {
          reject(err);
          return;
        }
        if (stats.hasErrors()) {
          reject(
            new Error(
              stats.toString({ all: false, errors: true, colors: false })
            )
          );
          return;
        }
        const foreign = foreignModules(stats);
        if (foreign.length) {
          reject(
            new Error(
              `modules resolved outside ${HERE} (add the packages to its ` +
                `package.json):\n${foreign.slice(0, 20).join('\n')}`
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
    writeExtensionList();
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

  return { build, isUpToDate, BUILD, STATIC, HERE };
}

module.exports = { harnessAt, ...harnessAt() };

if (require.main === module) {
  const args = process.argv.slice(2);
  const harness = harnessAt(args.find(a => !a.startsWith('--')));
  if (!args.includes('--force') && harness.isUpToDate()) {
    console.log(`${harness.HERE}: build is up to date`);
  } else {
    harness.build().then(
      ms =>
        console.log(`${harness.HERE}: built in ${(ms / 1000).toFixed(1)} s`),
      err => {
        console.error(err.message || err);
        process.exit(1);
      }
    );
  }
}
