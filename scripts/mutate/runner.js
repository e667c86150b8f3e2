// A StrykerJS test runner for this project's node:test files that runs them
// inside the worker process: the files are imported once, and each mutant is
// switched on at run time (`__stryker__.activeMutant`), so a mutant costs only
// the tests that reach it, not a process start and a module load per file.
//
// - Test ids are "file: suite > test"; with coverageAnalysis "perTest" the
//   dry run records which tests reach which mutant.
// - Within a mutant run the tests go cheapest first (times seen so far in
//   this worker), and the first failure ends the run unless disableBail.
// - A static mutant (one that runs while the files load) needs a fresh
//   process: capabilities say so, Stryker restarts the worker, and the files
//   are then loaded with the mutant already on.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  commonTokens,
  declareClassPlugin,
  PluginKind,
  tokens
} from '@stryker-mutator/api/plugin';
import {
  determineHitLimitReached,
  DryRunStatus,
  TestStatus,
  toMutantRunResult
} from '@stryker-mutator/api/test-runner';
import { newSuite } from './node-test-shim.js';

const REGISTRY = Symbol.for('jupyterlab-snapshot-guard.node-test-shim');
const NAMESPACE = '__stryker__';
/** The dry run's time per test, for a fresh worker's cheapest-first order. */
const TIMES_FILE = '.node-test-times.json';
/** MUTATE_TRACE=<file>: one JSON line per mutant run (what ran, how long). */
const TRACE = process.env.MUTATE_TRACE;

export const strykerValidationSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'NodeTestRunnerOptions',
  type: 'object',
  properties: {
    nodeTest: {
      description:
        'Options of the in-process node:test runner (scripts/mutate/runner.js).',
      type: 'object',
      properties: {
        testFiles: {
          description:
            'Compiled test files to load, relative to the project root.',
          type: 'array',
          items: { type: 'string' }
        }
      },
      additionalProperties: false
    }
  }
};

class NodeTestRunner {
  static inject = tokens(commonTokens.options, commonTokens.logger);

  constructor(options, log) {
    this.files = options.nodeTest?.testFiles ?? [];
    this.log = log;
    /** Every test, in declaration order, once the files are loaded. */
    this.tests = null;
    /** Mean time per test id in this worker, for cheapest-first ordering. */
    this.times = new Map();
  }

  capabilities() {
    return { reloadEnvironment: false };
  }

  async init() {
    if (this.files.length === 0) {
      throw new Error('nodeTest.testFiles names no test file');
    }
    // A rejection nobody awaited fails the test that is running.
    process.on('unhandledRejection', e => {
      this.stray ??= e;
    });
    register(
      pathToFileURL(resolve(import.meta.dirname, 'node-test-hooks.js')),
      {
        data: { shim: new URL('./node-test-shim.js', import.meta.url).href }
      }
    );
  }

  async load() {
    if (this.tests) {
      return;
    }
    const registry = (globalThis[REGISTRY] = { current: null });
    this.roots = [];
    for (const file of this.files) {
      const root = newSuite(file, null);
      root.file = file;
      this.roots.push(root);
      registry.current = root;
      try {
        await import(pathToFileURL(resolve(file)).href);
      } finally {
        registry.current = null;
      }
    }
    this.tests = [];
    const walk = (suite, path, file) => {
      for (const child of suite.children) {
        if (child.kind === 'suite') {
          walk(child, [...path, child.name], file);
        } else {
          const name = [...path, child.name].join(' > ');
          this.tests.push({ ...child, id: `${file}: ${name}`, name, file });
        }
      }
    };
    this.roots.forEach(root => walk(root, [], root.file));
    try {
      for (const [id, ms] of Object.entries(
        JSON.parse(readFileSync(TIMES_FILE, 'utf8'))
      )) {
        this.times.set(id, ms);
      }
    } catch {
      // No dry run yet in this sandbox.
    }
    const ids = new Set();
    for (const t of this.tests) {
      if (ids.has(t.id)) {
        throw new Error(`two tests share the id "${t.id}"`);
      }
      ids.add(t.id);
    }
  }

  async dryRun(options) {
    const ns = namespace();
    ns.activeMutant = undefined;
    try {
      await this.load();
    } catch (e) {
      return {
        status: DryRunStatus.Error,
        errorMessage: `loading the tests: ${e?.stack ?? e}`
      };
    }
    const perTest = options.coverageAnalysis === 'perTest';
    // Incremental runs may ask for some files only (compiled or source name).
    const wanted = options.testFiles
      ? new Set(options.testFiles.map(f => resolve(f)))
      : null;
    const tests = this.tests.filter(
      t =>
        !wanted ||
        wanted.has(resolve(t.file)) ||
        wanted.has(resolve(sourceOf(t)))
    );
    const results = await this.run(tests, { perTest, bail: false });
    writeFileSync(TIMES_FILE, JSON.stringify(Object.fromEntries(this.times)));
    const coverage = ns.mutantCoverage ?? { static: {}, perTest: {} };
    const mutantCoverage =
      options.coverageAnalysis === 'off'
        ? undefined
        : { static: { ...coverage.static }, perTest: { ...coverage.perTest } };
    return { status: DryRunStatus.Complete, tests: results, mutantCoverage };
  }

  async mutantRun(options) {
    const started = performance.now();
    const cpu = process.cpuUsage();
    const result = await this.mutantRunInner(options);
    if (TRACE) {
      appendFileSync(
        TRACE,
        `${JSON.stringify({
          at: new Date().toISOString().slice(11, 19),
          pid: process.pid,
          mutant: options.activeMutant.id,
          file: options.activeMutant.fileName,
          activation: options.mutantActivation,
          filter: options.testFilter?.length ?? null,
          status: result.status,
          ran: result.nrOfTests,
          ms: Math.round(performance.now() - started),
          cpuMs: Math.round(cpuMs(process.cpuUsage(cpu)))
        })}\n`
      );
    }
    return result;
  }

  async mutantRunInner(options) {
    const ns = namespace();
    const id = options.activeMutant.id;
    ns.activeMutant = options.mutantActivation === 'static' ? id : undefined;
    try {
      await this.load();
    } catch (e) {
      // A static mutant that breaks loading a test file is caught by it.
      return {
        status: 'killed',
        killedBy: [],
        failureMessage: `loading the tests: ${e?.message ?? e}`,
        nrOfTests: 0
      };
    }
    ns.activeMutant = id;
    if (options.hitLimit !== undefined) {
      ns.hitLimit = options.hitLimit;
      ns.hitCount = 0;
    }
    try {
      const filter = options.testFilter ? new Set(options.testFilter) : null;
      const tests = this.tests
        .filter(t => !filter || filter.has(t.id))
        .sort(
          (a, b) => (this.times.get(a.id) ?? 0) - (this.times.get(b.id) ?? 0)
        );
      const results = await this.run(tests, {
        perTest: false,
        bail: !options.disableBail,
        hitLimit: options.hitLimit
      });
      const hit = determineHitLimitReached(ns.hitCount, options.hitLimit);
      if (hit) {
        return toMutantRunResult(hit);
      }
      return toMutantRunResult({
        status: DryRunStatus.Complete,
        tests: results
      });
    } finally {
      ns.activeMutant = undefined;
      ns.hitLimit = undefined;
      ns.hitCount = undefined;
      // Coverage is only read after the dry run: keep it from growing.
      if (ns.mutantCoverage) {
        ns.mutantCoverage.static = {};
        ns.mutantCoverage.perTest = {};
      }
    }
  }

  async run(tests, { perTest, bail, hitLimit }) {
    const ns = namespace();
    const results = [];
    for (const t of tests) {
      const started = performance.now();
      if (perTest) {
        ns.currentTestId = t.id;
      }
      let error = null;
      this.stray = undefined;
      try {
        await this.runOne(t);
        if (this.stray !== undefined) {
          throw this.stray;
        }
      } catch (e) {
        error = e;
      } finally {
        ns.currentTestId = undefined;
      }
      const ms = performance.now() - started;
      const seen = this.times.get(t.id);
      this.times.set(t.id, seen === undefined ? ms : (seen + ms) / 2);
      const base = {
        id: t.id,
        name: t.name,
        timeSpentMs: Math.round(ms),
        fileName: sourceOf(t)
      };
      if (error === null) {
        results.push({ ...base, status: TestStatus.Success });
      } else {
        results.push({
          ...base,
          status: TestStatus.Failed,
          failureMessage: String(error?.message ?? error).slice(0, 2000)
        });
        if (bail) {
          break;
        }
      }
      if (hitLimit !== undefined && ns.hitCount > hitLimit) {
        break;
      }
    }
    return results;
  }

  async runOne(t) {
    const chain = [];
    for (let s = t.suite; s; s = s.parent) {
      chain.unshift(s);
    }
    for (const s of chain) {
      if (!s.started) {
        s.started = true;
        for (const fn of s.before) {
          await fn();
        }
      }
    }
    const each = kind => chain.flatMap(s => s[kind]);
    for (const fn of each('beforeEach')) {
      await fn();
    }
    try {
      await t.fn(context(t));
    } finally {
      for (const fn of each('afterEach').reverse()) {
        await fn();
      }
    }
  }

  async dispose() {
    // The files' `after` hooks: temporary folders and the like.
    const all = [];
    const walk = s => {
      s.children.filter(c => c.kind === 'suite').forEach(walk);
      if (s.started) {
        all.push(...s.after);
      }
    };
    (this.roots ?? []).forEach(walk);
    for (const fn of all) {
      try {
        await fn();
      } catch (e) {
        this.log.warn(`an after hook failed: ${e?.message ?? e}`);
      }
    }
  }
}

function cpuMs({ user, system }) {
  return (user + system) / 1000;
}

function namespace() {
  return (globalThis[NAMESPACE] ??= {});
}

/** build/test/x.test.js → test/x.test.ts, the file a person edits. */
function sourceOf(t) {
  return relative('build', t.file).replace(/\.js$/, '.ts');
}

/** The few TestContext members the selected files use. */
function context(t) {
  return {
    name: t.name,
    signal: new AbortController().signal,
    diagnostic() {},
    plan() {},
    test() {
      throw new Error('node-test-shim: subtests are not supported');
    },
    skip() {
      throw new Error(
        `node-test-shim: "${t.name}" skips itself (not supported)`
      );
    },
    todo() {
      throw new Error(`node-test-shim: "${t.name}" is a todo (not supported)`);
    }
  };
}

export const strykerPlugins = [
  declareClassPlugin(PluginKind.TestRunner, 'node-test', NodeTestRunner)
];
