// `npm run mutate`: StrykerJS on the engine's core modules (see
// stryker.config.mjs). Slow, so not part of `npm test`. Extra arguments go to
// `stryker run`, e.g. `npm run mutate -- --mutate src/snapshot/limits.ts`.
// Results: reports/mutation/ (mutation.json; incremental.json lets the next
// run retest only what changed).
import { join } from 'node:path';
import { ROOT, ensureDebianPackages, ensureNodeModules, run } from './setup.js';
import { ensureHelperSource } from './embed-python.js';

ensureDebianPackages(['python3-pathspec']);
ensureNodeModules();
ensureHelperSource();
run('npx', ['stryker', 'run', ...process.argv.slice(2)], {
  env: {
    ...process.env,
    // One seed for every mutant, so a kill is never the seed's doing.
    CONFORMANCE_SEED: process.env.CONFORMANCE_SEED ?? '20261202',
    // Fewer random cases per mutant than `npm test` runs (600): each test
    // file runs once per mutant it reaches.
    CONFORMANCE_CASES: process.env.CONFORMANCE_CASES ?? '200',
    // pathspec's answers do not depend on the mutant: ask Python once.
    REFERENCE_CACHE: join(ROOT, 'reports', 'mutation', 'reference-cache')
  }
});
