// Embeds src/kernel/helper.py into src/kernel/helper-source.ts, so the
// bundle can send it to the helper kernel. helper.py stays the only source:
// `node scripts/embed-python.js` rewrites the module, `--check` only fails
// (exit 1) when the module is out of date. A unit test checks it as well.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE = join(ROOT, 'src', 'kernel', 'helper.py');
const TARGET = join(ROOT, 'src', 'kernel', 'helper-source.ts');

/** The TypeScript module for a given Python text (exported for tests). */
export function render(python) {
  // A template literal keeps the code readable in the bundle and is left
  // alone by Prettier; only `\`, backquotes and `${` need escaping.
  const body = python
    .replace(/\\/g, '\\\\')
    .replace(/`/g, '\\`')
    .replace(/\$\{/g, '\\${');
  return (
    '// Generated from helper.py by scripts/embed-python.js: do not edit.\n' +
    '// Run `node scripts/embed-python.js` after changing helper.py.\n\n' +
    '/** The Python source executed once in the helper kernel. */\n' +
    `export const HELPER_SOURCE = \`${body}\`;\n`
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const wanted = render(readFileSync(SOURCE, 'utf8'));
  let current = null;
  try {
    current = readFileSync(TARGET, 'utf8');
  } catch {
    // not generated yet
  }
  if (process.argv.includes('--check')) {
    if (current !== wanted) {
      process.stderr.write(
        'src/kernel/helper-source.ts is out of date: run `node scripts/embed-python.js`\n'
      );
      process.exit(1);
    }
  } else if (current !== wanted) {
    writeFileSync(TARGET, wanted);
    process.stdout.write('wrote src/kernel/helper-source.ts\n');
  }
}
