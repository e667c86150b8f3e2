// `npm test`: installs what the tests need, builds, and runs every test
// (lint, unit, conformance, real-browser end-to-end) with node:test.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import {
  ROOT,
  TSC,
  ensureAzureAiMl,
  ensureDebianPackages,
  ensureNodeModules,
  run
} from './setup.js';
import { ensureHelperSource } from './embed-python.js';
import { readTimes } from './times-reporter.js';
import { watchOutsideWrites } from './outside-writes.js';

const started = Date.now();
ensureDebianPackages();
ensureNodeModules();
ensureAzureAiMl();
ensureHelperSource();
run(process.execPath, [TSC, '-p', 'tsconfig.json']);
run(process.execPath, [join(ROOT, 'scripts', 'bundle-cli.js')]);
if (existsSync(join(ROOT, 'scripts', 'build-labextension.js'))) {
  run('node', ['scripts/build-labextension.js']);
}
if (existsSync(join(ROOT, 'scripts', 'harness.js'))) {
  const { HARNESSES, ensureHarness } = await import('./harness.js');
  // Both front ends, built once here (or found up to date) before any test.
  await ensureHarness({ harnesses: Object.keys(HARNESSES) });
}
// Emit even with type errors, so one broken file cannot hide every other
// result; test/unit/typecheck.test.ts reports the errors as a failure.
spawnSync(
  process.execPath,
  [TSC, '-p', 'tsconfig.test.json', '--noEmitOnError', 'false'],
  { cwd: ROOT, stdio: 'ignore' }
);

// Two test files at a time: an end-to-end file mostly waits on its server,
// kernels and browser, so two fit on two cores (tests wait for conditions,
// never for time, so a loaded machine only slows them). TEST_JOBS=1 runs
// one file at a time.
const JOBS = Math.max(1, Number(process.env.TEST_JOBS ?? 2) || 1);

// Only the suites named on the command line, e.g. `npm test -- unit`.
const only = process.argv.slice(2);
const files = longestFirst(
  findTests(join(ROOT, 'build', 'test')).filter(
    f => only.length === 0 || only.some(o => relative(ROOT, f).includes(o))
  )
);
// Watched from here: what setup and the builds above write is theirs.
const outside = watchOutsideWrites(ROOT);
const r = spawnSync(
  process.execPath,
  [
    '--test',
    `--test-concurrency=${JOBS}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=./scripts/times-reporter.js',
    '--test-reporter-destination=stdout',
    '--test-reporter=./scripts/summary-reporter.js',
    '--test-reporter-destination=stdout',
    ...files
  ],
  { stdio: 'inherit', cwd: ROOT, env: outside.env }
);
const wroteOutside = outside.finish();
if (wroteOutside.length > 0) {
  process.stderr.write(
    `[test] FAILED: tests wrote outside their temporary folders:\n${wroteOutside.map(l => `  ${l}\n`).join('')}`
  );
}
process.stderr.write(
  `[test] ${files.length} test files in ${((Date.now() - started) / 1000).toFixed(0)} s\n`
);
process.exit(wroteOutside.length > 0 ? 1 : (r.status ?? 1));

/**
 * Longest files first, so that the two running at the end are short ones:
 * by the time each took last run, else end-to-end files (a browser, a
 * server, kernels) before the others, bigger before smaller.
 */
function longestFirst(files) {
  const recorded = readTimes();
  const estimate = f => {
    const ms = recorded[relative(ROOT, f)];
    if (ms !== undefined) {
      return ms;
    }
    const e2e = relative(ROOT, f).split(sep).includes('e2e');
    return (e2e ? 60_000 : 0) + statSync(f).size / 10;
  };
  return files
    .map(f => ({ f, ms: estimate(f) }))
    .sort((a, b) => b.ms - a.ms)
    .map(x => x.f);
}

function findTests(dir) {
  if (!existsSync(dir)) {
    return [];
  }
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      out.push(...findTests(path));
    } else if (name.endsWith('.test.js')) {
      out.push(path);
    }
  }
  return out;
}
