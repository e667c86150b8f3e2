// Module resolution hook for the mutation runner (runner.js): test files that
// import `node:test` get the in-process registry (node-test-shim.js) instead.
let shim = '';

export function initialize(data) {
  shim = data.shim;
}

export function resolve(specifier, context, next) {
  if (specifier === 'node:test') {
    return { url: shim, shortCircuit: true };
  }
  return next(specifier, context);
}
