// Joins the parts of the helper kernel's Python (src/kernel/helper/*.py, in
// the fixed order of PARTS) into one module and embeds it in
// src/kernel/helper-source.ts, so the bundle can send it to the helper kernel.
// The parts are the only source: the TypeScript module is generated
// (git-ignored) by every build — `npm test`, `npm start`,
// `npm run build`, the bench and `npm run mutate` call ensureHelperSource()
// before compiling. `node scripts/embed-python.js` writes it by hand;
// `--check` only fails (exit 1) when it is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PARTS_DIR = join(ROOT, 'src', 'kernel', 'helper');
/**
 * The parts in the order they are joined: each uses names of the parts
 * before it at import time (server.py's Helper is made of the operation
 * classes of files.py … data.py), so the order is fixed here, not listed.
 */
export const PARTS = [
  'common.py',
  'files.py',
  'archive.py',
  'azure.py',
  'data.py',
  'server.py'
];
const TARGET = join(ROOT, 'src', 'kernel', 'helper-source.ts');

/**
 * The helper's Python as one module: the parts, each ending in a newline,
 * two blank lines apart (what the kernel runs, and tests import).
 */
export function joinHelper() {
  return PARTS.map(name => readFileSync(join(PARTS_DIR, name), 'utf8')).join(
    '\n\n'
  );
}

/** The TypeScript module for a given Python text (exported for tests). */
export function render(python) {
  // A template literal keeps the code readable in the bundle and is left
  // alone by Prettier; only `\`, backquotes and `${` need escaping.
  const body = python
    .replace(/\\/g, '\\\\')
    .replace(/`/g, '\\`')
    .replace(/\$\{/g, '\\${');
  return (
    '// Generated from src/kernel/helper/*.py by scripts/embed-python.js: do\n' +
    '// not edit. Run `node scripts/embed-python.js` after changing a part.\n\n' +
    '/** The Python source executed once in the helper kernel. */\n' +
    `export const HELPER_SOURCE = \`${body}\`;\n`
  );
}

function current() {
  try {
    return readFileSync(TARGET, 'utf8');
  } catch {
    return null; // not generated yet
  }
}

/**
 * Write the module when it is missing or out of date (left untouched
 * otherwise, so an up-to-date build is not redone). True when written.
 */
export function ensureHelperSource() {
  const wanted = render(joinHelper());
  if (current() === wanted) {
    return false;
  }
  writeFileSync(TARGET, wanted);
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--check')) {
    const wanted = render(joinHelper());
    if (current() !== wanted) {
      process.stderr.write(
        'src/kernel/helper-source.ts is out of date: run `node scripts/embed-python.js`\n'
      );
      process.exit(1);
    }
  } else if (ensureHelperSource()) {
    process.stdout.write('wrote src/kernel/helper-source.ts\n');
  }
}
