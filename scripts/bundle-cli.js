// Bundles the compiled command line (lib/node/cli.js and what it imports)
// into lib/bundle/cli.js, which bin/snapshot-guard.js loads when present:
// one module starts about 80 ms of CPU faster than the two dozen it replaces
// (a third of a `check` on 100k files). Run after every `tsc -p
// tsconfig.json` (build:lib, npm test, the labextension build and the bench
// do), or by hand: `node scripts/bundle-cli.js`.
//
// webpack: already what @jupyterlab/builder builds the extension with, so
// no new tool; only lib/'s JavaScript goes in, Node's own modules stay out.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import webpack from 'webpack';
import { ROOT } from './setup.js';

const BUNDLE_DIR = join(ROOT, 'lib', 'bundle');

rmSync(BUNDLE_DIR, { recursive: true, force: true });
const compiler = webpack({
  mode: 'production',
  target: 'node20',
  context: ROOT,
  entry: join(ROOT, 'lib', 'node', 'cli.js'),
  experiments: { outputModule: true },
  output: {
    path: BUNDLE_DIR,
    filename: 'cli.js',
    // Commands other than check load their extra modules on demand.
    chunkFilename: '[name].cli.js',
    module: true,
    library: { type: 'module' },
    chunkFormat: 'module'
  },
  // Readable stack traces; minifying gains nothing measurable here.
  optimization: { minimize: false },
  devtool: false
});
const stats = await new Promise((resolve, reject) =>
  compiler.run((err, result) => (err ? reject(err) : resolve(result)))
);
await new Promise(resolve => compiler.close(resolve));
if (stats.hasErrors()) {
  process.stderr.write(`${stats.toString('errors-only')}\n`);
  process.exitCode = 1;
}
