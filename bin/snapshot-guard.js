#!/usr/bin/env node
// The snapshot-guard command line; the code is compiled from src/node/cli.ts.
import { main } from '../lib/node/cli.js';

main(process.argv.slice(2)).then(
  code => {
    process.exitCode = code;
  },
  err => {
    process.stderr.write(`snapshot-guard: ${err?.stack ?? err}\n`);
    process.exitCode = 2;
  }
);
