// `npm run mutate`: StrykerJS on the engine's core modules (see
// stryker.config.mjs and scripts/mutate/runner.js). Slow, so not part of
// `npm test`. Source files named as arguments are mutated alone, e.g.
// `npm run mutate -- src/snapshot/advisor.ts src/snapshot/prune.ts`
// (`--mutate` with a comma list); other arguments go to `stryker run`, e.g.
// `-- --force` to retest every mutant or `-- --concurrency 1`. Results:
// reports/mutation/ (mutation.html, mutation.json; incremental.json lets the
// next run retest only what changed).
import { join } from 'node:path';
import {
  ROOT,
  ensureAzureAiMl,
  ensureDebianPackages,
  ensureNodeModules,
  run
} from './setup.js';
import { ensureHelperSource } from './embed-python.js';

ensureDebianPackages(['python3-pathspec']);
ensureNodeModules();
// azure-ai-ml's matcher: the v2 reference of the conformance tests.
ensureAzureAiMl();
// Stryker copies src/ into its sandbox: complete, as for any build.
ensureHelperSource();
const STRYKER = join(
  ROOT,
  'node_modules',
  '@stryker-mutator',
  'core',
  'bin',
  'stryker.js'
);
// A bare `src/` path is a file to mutate alone; everything else, including
// an option's own value (`--mutate src/…`), goes to Stryker as given.
const files = [];
const options = [];
for (const arg of process.argv.slice(2)) {
  const isValue = ['--mutate', '-m'].includes(options.at(-1));
  if (arg.startsWith('src/') && !isValue) {
    files.push(arg);
  } else {
    options.push(arg);
  }
}
const mutate = files.length > 0 ? ['--mutate', files.join(',')] : [];
run(process.execPath, [STRYKER, 'run', ...mutate, ...options], {
  env: {
    ...process.env,
    // One seed for every mutant, so a kill is never the seed's doing.
    CONFORMANCE_SEED: process.env.CONFORMANCE_SEED ?? '20261202',
    // Fewer random cases per mutant than `npm test` runs (600).
    CONFORMANCE_CASES: process.env.CONFORMANCE_CASES ?? '200',
    // The references' answers do not depend on the mutant: ask Python once
    // per input, then read them from here.
    REFERENCE_CACHE: join(ROOT, 'reports', 'mutation', 'reference-cache')
  }
});
