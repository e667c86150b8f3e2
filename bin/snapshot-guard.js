#!/usr/bin/env node
// The snapshot-guard command line; the code is compiled from src/node/cli.ts
// and bundled into lib/bundle/cli.js (scripts/bundle-cli.js), which starts
// faster. The compiled modules run instead when there is no bundle, or in a
// checkout where tsc has compiled since the bundle was made (a bare
// `tsc -p tsconfig.json`): a stale bundle would run the old code.
import { statSync } from 'node:fs';

const BUNDLE = new URL('../lib/bundle/cli.js', import.meta.url);
// tsc's build info lies beside the sources only: an installed package has
// none and always takes its bundle.
const BUILD_INFO = new URL('../tsconfig.tsbuildinfo', import.meta.url);

function modifiedMs(url) {
  return statSync(url, { throwIfNoEntry: false })?.mtimeMs;
}

const bundled = modifiedMs(BUNDLE);
const compiled = modifiedMs(BUILD_INFO);
const cli =
  bundled !== undefined && (compiled === undefined || compiled <= bundled)
    ? await import(BUNDLE.href)
    : await import('../lib/node/cli.js');

cli.main(process.argv.slice(2)).then(
  code => {
    process.exitCode = code;
  },
  err => {
    process.stderr.write(`snapshot-guard: ${err?.stack ?? err}\n`);
    process.exitCode = 2;
  }
);
