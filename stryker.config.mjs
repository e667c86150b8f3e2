// `npm run mutate` (scripts/mutate.js): mutation testing of the engine's core
// modules, checked by the unit and conformance tests that cover them. The TAP
// runner runs each test file in its own process and only the files that reach
// a mutant; the TypeScript checker drops mutants that would not compile.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: [
    'src/snapshot/limits.ts',
    'src/snapshot/advisor.ts',
    'src/snapshot/amlignore.ts',
    'src/snapshot/accounting.ts',
    // rules.ts, and the rule modules once it is split into rules*.ts or rules/.
    'src/snapshot/rules*.ts',
    'src/snapshot/rules/**/*.ts'
  ],
  testRunner: 'tap',
  tap: {
    // Fast files first: the runner stops at the first failing file.
    testFiles: [
      'build/test/unit/engine.test.js',
      'build/test/unit/rules.test.js',
      'build/test/unit/companions.test.js',
      'build/test/conformance/*.test.js'
    ],
    forceBail: true
  },
  // The tests run from build/, compiled once from the instrumented sources.
  buildCommand: 'npx tsc -p tsconfig.test.json',
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  coverageAnalysis: 'perTest',
  // Module-level constants would rerun every test file for each mutant.
  ignoreStatic: true,
  // A shared 2-core machine: generous timeouts, two runners.
  concurrency: 2,
  timeoutMS: 30000,
  timeoutFactor: 3,
  incremental: true,
  incrementalFile: 'reports/mutation/incremental.json',
  ignorePatterns: [
    'build',
    'lib',
    'lab-harness',
    'jupyterlab_snapshot_guard',
    'test/e2e',
    '.bench',
    '.demo',
    'reports'
  ],
  reporters: ['clear-text', 'progress-append-only', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always'
};
