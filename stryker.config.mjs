// `npm run mutate` (scripts/mutate.js): mutation testing of the engine's core
// modules, checked by the unit and conformance tests that reach them. The
// runner (scripts/mutate/runner.js) loads those node:test files once per
// worker and switches each mutant on at run time, running only the tests
// that reach it (perTest coverage), cheapest first, up to the first failure.
// The TypeScript checker drops mutants that would not compile.
import { fileURLToPath } from 'node:url';

const TSC = fileURLToPath(
  new URL('./node_modules/typescript/bin/tsc', import.meta.url)
);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: [
    'src/snapshot/limits.ts',
    'src/snapshot/advisor.ts',
    'src/snapshot/amlignore.ts',
    'src/snapshot/accounting.ts',
    // The rule modules: the façade, ignore-file reading, pathspec's compiler
    // in each SDK's dialect, the rule index, pruning and folder plans.
    'src/snapshot/rules.ts',
    'src/snapshot/ignore-file.ts',
    'src/snapshot/pathspec/*.ts',
    'src/snapshot/rule-index.ts',
    'src/snapshot/prune.ts',
    // Per-folder matching plans (RuleSet.excludesIn).
    'src/snapshot/folder-plan.ts'
  ],
  plugins: [
    '@stryker-mutator/typescript-checker',
    './scripts/mutate/runner.js'
  ],
  testRunner: 'node-test',
  nodeTest: {
    testFiles: [
      'build/test/unit/engine.test.js',
      'build/test/unit/rules.test.js',
      'build/test/unit/amlignore.test.js',
      'build/test/unit/v1-walks.test.js',
      'build/test/unit/limits.test.js',
      'build/test/unit/advisor.test.js',
      'build/test/unit/advisor-junk.test.js',
      'build/test/unit/accounting.test.js',
      'build/test/unit/prune.test.js',
      'build/test/conformance/pathspec-conformance.test.js',
      'build/test/conformance/escape-conformance.test.js',
      'build/test/conformance/advisor-conformance.test.js',
      'build/test/conformance/utf8-conformance.test.js'
    ]
  },
  // The tests run from build/, compiled once from the instrumented sources.
  buildCommand: `node ${TSC} -p tsconfig.mutate.json`,
  checkers: ['typescript'],
  // The engine alone (no DOM, no Node types): a small program to re-check.
  tsconfigFile: 'src/snapshot/tsconfig.json',
  coverageAnalysis: 'perTest',
  concurrency: 2,
  timeoutMS: 10000,
  timeoutFactor: 2,
  incremental: true,
  incrementalFile: 'reports/mutation/incremental.json',
  ignorePatterns: [
    'build',
    'lib',
    'lab-harness',
    'lab-harness-4.0',
    'jupyterlab_snapshot_guard/labextension',
    'test/e2e',
    '.bench',
    '.demo',
    'reports'
  ],
  reporters: ['clear-text', 'progress-append-only', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always'
};
