/**
 * Preloaded into a CLI process by a test (NODE_OPTIONS=--import): right after
 * the process first reads the file named by EDIT_AFTER_READ, "someone else"
 * appends a line to it. That puts an edit between the scan and the write,
 * deterministically, so a test can check that the write is refused.
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const target = process.env.EDIT_AFTER_READ;
export const EDIT = '# edited meanwhile\n';

if (target) {
  const read = fs.readFileSync;
  let edited = false;
  (fs as any).readFileSync = function (
    path: fs.PathOrFileDescriptor,
    ...rest: any[]
  ) {
    const out = (read as any).call(fs, path, ...rest);
    if (!edited && String(path) === target) {
      edited = true;
      fs.appendFileSync(target, EDIT);
    }
    return out;
  };
  // `import { readFileSync } from 'node:fs'` sees the wrapper too.
  syncBuiltinESMExports();
}
