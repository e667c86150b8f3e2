/**
 * The layers of docs/architecture.md, read from the import lines of src/: a
 * module imports only its own folder and the layers below it, and the
 * engine and the adapters import only the packages their layer allows.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../helpers/tree.js';

const SRC = join(ROOT, 'src');

/** Layer of each top-level part of src/, lowest first (docs/architecture.md). */
const LAYERS: Record<string, number> = {
  snapshot: 0,
  access: 1,
  node: 2,
  kernel: 2,
  contents: 2,
  tokens: 3,
  ui: 4,
  guard: 5,
  submit: 6,
  catcher: 6,
  meter: 6,
  plugins: 7,
  index: 8
};

/** Packages each part may import (besides its relative imports). */
const PACKAGES: Record<string, RegExp> = {
  snapshot: /^(fflate|ignore)$/,
  access: /^$/,
  node: /^(node:|fflate$|ignore$)/,
  kernel: /^(fflate|@jupyterlab\/(coreutils|services)|@lumino\/coreutils)$/,
  contents: /^@jupyterlab\/services$/
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(e =>
    e.isDirectory()
      ? sources(join(dir, e.name))
      : /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts')
        ? [join(dir, e.name)]
        : []
  );
}

/** The part of src/ a file belongs to: its top folder, or its own name. */
function partOf(file: string): string {
  return relative(SRC, file)
    .split('/')[0]
    .replace(/\.(ts|tsx|js)$/, '');
}

/** Every `import … from '…'` and `export … from '…'` of a file. */
export function importsOf(text: string): string[] {
  const found: string[] = [];
  const re = /^\s*(?:import|export)\b[^;]*?\bfrom\s+'([^']+)'/gms;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    found.push(m[1]);
  }
  for (const m of text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) {
    found.push(m[1]);
  }
  return found;
}

test('layering: each part of src/ imports only its own layer and those below', () => {
  const wrong: string[] = [];
  for (const file of sources(SRC)) {
    const part = partOf(file);
    const layer = LAYERS[part];
    assert.notEqual(layer, undefined, `${part} has no layer in this test`);
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const name = relative(SRC, file);
      if (!spec.startsWith('.')) {
        const allowed = PACKAGES[part];
        if (allowed && !allowed.test(spec)) {
          wrong.push(`${name} imports the package ${spec}`);
        }
        continue;
      }
      const target = partOf(resolve(dirname(file), spec));
      const targetLayer = LAYERS[target];
      if (target === part) {
        continue;
      }
      if (targetLayer === undefined || targetLayer >= layer) {
        wrong.push(`${name} (${part}) imports ${spec} (${target})`);
      }
    }
  }
  assert.deepEqual(wrong, []);
});

test('layering: the import reader sees every form used in src/', () => {
  // A reader that missed a form would let the test above pass vacuously.
  const text = [
    "import { a } from '../guard/x.js';",
    "import type { B } from '../submit/y.js';",
    'import {',
    '  c,',
    '  d',
    "} from '../ui/z.js';",
    "export { e } from './w.js';",
    "export * from '../tokens.js';",
    "const m = await import('../meter/v.js');",
    "// import nothing from 'here'"
  ].join('\n');
  assert.deepEqual(importsOf(text), [
    '../guard/x.js',
    '../submit/y.js',
    '../ui/z.js',
    './w.js',
    '../tokens.js',
    '../meter/v.js'
  ]);
});
