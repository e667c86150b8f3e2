#!/usr/bin/env node
// The snapshot-guard command line; the code is compiled from src/node/cli.ts
// and bundled into lib/bundle/cli.js (scripts/bundle-cli.js), which starts
// faster; without the bundle, the compiled modules.
let cli;
try {
  cli = await import('../lib/bundle/cli.js');
} catch (err) {
  if (
    err?.code !== 'ERR_MODULE_NOT_FOUND' ||
    !/lib[/]bundle[/]cli\.js/.test(err.message)
  ) {
    throw err;
  }
  cli = await import('../lib/node/cli.js');
}

cli.main(process.argv.slice(2)).then(
  code => {
    process.exitCode = code;
  },
  err => {
    process.stderr.write(`snapshot-guard: ${err?.stack ?? err}\n`);
    process.exitCode = 2;
  }
);
