/**
 * The declared floor (issue 15): package.json's @jupyterlab/* and @lumino/*
 * ranges are what the built extension requires from JupyterLab, the code
 * compiles against the typings of that floor, and lab-harness-4.0/ (the
 * front end the end-to-end tests also run on) bundles exactly the lowest
 * versions those ranges accept.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ROOT } from '../helpers/tree.js';

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

const pkg = readJson(join(ROOT, 'package.json'));
const FLOOR_DIR = join(ROOT, 'lab-harness-4.0');
const BUILT = join(ROOT, 'jupyterlab_snapshot_guard', 'labextension');

/** Our dependencies JupyterLab provides (its core manifest lists them). */
const core = readJson(
  createRequire(join(ROOT, 'package.json')).resolve(
    '@jupyterlab/core-meta/core.package.json'
  )
);
const coreNames = new Set([
  ...Object.keys(core.dependencies),
  ...Object.keys(core.resolutions)
]);
const provided = Object.keys(pkg.dependencies).filter(n => coreNames.has(n));

// webpack writes required versions as arrays ([1,4,0,0] is ^4.0.0) and
// decodes them with this module when it warns; it is the reference here.
const webpackSemver = createRequire(
  createRequire(join(ROOT, 'package.json')).resolve('webpack')
)('./sharing/semver.js') as {
  rangeToString(range: unknown[]): string;
  satisfy(range: unknown[], version: string): boolean;
};

/** Shared modules the built remoteEntry consumes: name -> required range. */
function requiredVersions(): Map<string, unknown[]> {
  const load = readJson(join(BUILT, 'package.json')).jupyterlab._build.load;
  const code = readFileSync(join(BUILT, load), 'utf8');
  const required = new Map<string, unknown[]>();
  // Consume entries: f("default","@jupyterlab/statedb",!1,[1,4,0,0]).
  const re =
    /\("default",\s*"([^"]+)",\s*(?:!0|!1|true|false),\s*(\[[\d,]+\])/g;
  for (const m of code.matchAll(re)) {
    required.set(m[1], JSON.parse(m[2]));
  }
  return required;
}

describe('declared JupyterLab floor', () => {
  test('package.json declares JupyterLab 4.0 ranges for JupyterLab packages', () => {
    for (const name of provided) {
      const range = pkg.dependencies[name];
      assert.match(range, /^\^\d+\.\d+\.\d+$/, `${name}: ${range}`);
    }
    assert.equal(pkg.dependencies['@jupyterlab/application'], '^4.0.0');
  });

  test('the built remoteEntry requires exactly the declared ranges', () => {
    const required = requiredVersions();
    assert.ok(required.size >= 10, `consumed modules: ${[...required.keys()]}`);
    const fromLab = [...required.keys()].filter(n => coreNames.has(n));
    // Nothing JupyterLab provides is required without being declared.
    assert.deepEqual(
      fromLab.filter(n => !provided.includes(n)),
      [],
      'consumed but not in package.json'
    );
    for (const name of fromLab) {
      assert.equal(
        webpackSemver.rangeToString(required.get(name)!),
        pkg.dependencies[name],
        `${name} in the remoteEntry`
      );
    }
    // @jupyterlab/application is imported for types only: not consumed.
    assert.deepEqual(required.get('@jupyterlab/apputils'), [1, 4, 0, 0]);
  });

  test('lab-harness-4.0 bundles the lowest versions the ranges accept', () => {
    const harness = readJson(join(FLOOR_DIR, 'package.json'));
    assert.equal(harness.dependencies['@jupyterlab/application'], '4.0.0');
    const required = requiredVersions();
    for (const name of provided.filter(n =>
      /^@(jupyterlab|lumino)\//.test(n)
    )) {
      const file = join(FLOOR_DIR, 'node_modules', name, 'package.json');
      if (!existsSync(file)) {
        // Not part of the floor front end (nothing there depends on it).
        continue;
      }
      const installed = readJson(file).version;
      assert.equal(
        installed,
        pkg.dependencies[name].replace(/^\^/, ''),
        `${name} in lab-harness-4.0`
      );
      if (required.has(name)) {
        assert.ok(
          webpackSemver.satisfy(required.get(name)!, installed),
          `${name} ${installed} satisfies the remoteEntry`
        );
      }
    }
  });

  test('lab-harness-4.0 has one copy of each @jupyterlab and @lumino package', () => {
    const nested: string[] = [];
    const walk = (dir: string) => {
      if (!existsSync(dir)) {
        return;
      }
      for (const scope of readdirSync(dir)) {
        if (!scope.startsWith('@')) {
          walk(join(dir, scope, 'node_modules'));
          continue;
        }
        for (const name of readdirSync(join(dir, scope))) {
          const at = join(dir, scope, name);
          if (
            dir !== join(FLOOR_DIR, 'node_modules') &&
            /^@(jupyterlab|lumino)$/.test(scope)
          ) {
            nested.push(at);
          }
          walk(join(at, 'node_modules'));
        }
      }
    };
    walk(join(FLOOR_DIR, 'node_modules'));
    assert.deepEqual(nested, []);
  });

  test('src type-checks against the JupyterLab 4.0.0 typings', () => {
    // tsconfig.floor.json maps @jupyterlab/* and @lumino/* to
    // lab-harness-4.0/node_modules; --listFiles shows they were used.
    const r = spawnSync(
      process.execPath,
      [
        createRequire(join(ROOT, 'package.json')).resolve('typescript/bin/tsc'),
        '-p',
        'tsconfig.floor.json',
        '--listFiles'
      ],
      { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }
    );
    const files = r.stdout.split('\n');
    const errors = files.filter(l => l && !l.startsWith('/'));
    assert.equal(r.status, 0, errors.join('\n') + r.stderr);
    const fromRoot = files.filter(f =>
      /^.*\/node_modules\/@(jupyterlab|lumino)\//.test(f)
    );
    assert.ok(
      fromRoot.length > 50 &&
        fromRoot.every(f => f.startsWith(join(FLOOR_DIR, 'node_modules'))),
      `typings outside lab-harness-4.0: ${fromRoot
        .filter(f => !f.startsWith(FLOOR_DIR))
        .slice(0, 5)}`
    );
  });
});
