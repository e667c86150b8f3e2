// `node:test`, as the mutation runner (runner.js) sees it: loading a test file
// registers its suites, tests and hooks here; the runner then runs the tests
// in this process, as often as it likes. Only what the selected test files use
// is here; anything else fails loudly rather than being skipped in silence.
const REGISTRY = Symbol.for('jupyterlab-snapshot-guard.node-test-shim');

/** The runner's registry: `current` is the suite being declared. */
function registry() {
  const r = globalThis[REGISTRY];
  if (!r || !r.current) {
    throw new Error(
      'node-test-shim: a test was declared outside a test file the mutation runner loads'
    );
  }
  return r;
}

function parseArgs(args) {
  const name = typeof args[0] === 'string' ? args.shift() : '<anonymous>';
  const options =
    typeof args[0] === 'object' && args[0] !== null ? args.shift() : {};
  const fn = args.shift();
  for (const key of Object.keys(options)) {
    if (!['timeout', 'concurrency'].includes(key)) {
      throw new Error(
        `node-test-shim: option "${key}" (in "${name}") is not supported`
      );
    }
  }
  return { name, fn };
}

export function test(...args) {
  const { name, fn } = parseArgs(args);
  if (typeof fn !== 'function') {
    throw new Error(`node-test-shim: test "${name}" has no function`);
  }
  if (fn.length > 1) {
    throw new Error(
      `node-test-shim: test "${name}" takes a done callback (not supported)`
    );
  }
  const suite = registry().current;
  suite.children.push({ kind: 'test', name, fn, suite });
}

export function describe(...args) {
  const { name, fn } = parseArgs(args);
  const r = registry();
  const parent = r.current;
  const suite = newSuite(name, parent);
  parent.children.push(suite);
  r.current = suite;
  try {
    const out = fn();
    if (out && typeof out.then === 'function') {
      throw new Error(
        `node-test-shim: describe "${name}" is async (not supported)`
      );
    }
  } finally {
    r.current = parent;
  }
}

export function newSuite(name, parent) {
  return {
    kind: 'suite',
    name,
    parent,
    children: [],
    before: [],
    after: [],
    beforeEach: [],
    afterEach: [],
    started: false
  };
}

const hook = kind => fn => {
  registry().current[kind].push(fn);
};
export const before = hook('before');
export const after = hook('after');
export const beforeEach = hook('beforeEach');
export const afterEach = hook('afterEach');
export { test as it, describe as suite };

export const mock = new Proxy(
  {},
  {
    get() {
      throw new Error('node-test-shim: mock is not supported');
    }
  }
);

export default test;
