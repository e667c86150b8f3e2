// A node:test reporter that records how long each test file took, in
// build/test-times.json, so the next `npm test` starts the longest files
// first (two at a time, a long file started last would run alone).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const TIMES_FILE = join(ROOT, 'build', 'test-times.json');

/** Recorded milliseconds by test file (relative to the root), or {}. */
export function readTimes() {
  try {
    return JSON.parse(readFileSync(TIMES_FILE, 'utf8'));
  } catch {
    return {};
  }
}

export default async function* times(source) {
  const ms = {};
  for await (const event of source) {
    const data = event.data;
    if (
      (event.type === 'test:pass' || event.type === 'test:fail') &&
      data.nesting === 0 &&
      data.file
    ) {
      const file = relative(ROOT, data.file);
      ms[file] = (ms[file] ?? 0) + (data.details?.duration_ms ?? 0);
    }
  }
  if (existsSync(join(ROOT, 'build'))) {
    mkdirSync(dirname(TIMES_FILE), { recursive: true });
    writeFileSync(
      TIMES_FILE,
      JSON.stringify({ ...readTimes(), ...ms }, null, 1)
    );
  }
}
