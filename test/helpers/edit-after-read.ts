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
  let edited = false;
  const edit = () => {
    if (!edited) {
      edited = true;
      fs.appendFileSync(target, EDIT);
    }
  };
  // The CLI reads through a file descriptor (never blocking on a FIFO):
  // the edit lands when the first descriptor opened on the file closes.
  const open = fs.openSync;
  const close = fs.closeSync;
  const watched = new Set<number>();
  (fs as any).openSync = function (path: fs.PathLike, ...rest: any[]) {
    const fd = (open as any).call(fs, path, ...rest) as number;
    if (!edited && String(path) === target) {
      watched.add(fd);
    }
    return fd;
  };
  (fs as any).closeSync = function (fd: number) {
    close.call(fs, fd);
    if (watched.delete(fd)) {
      edit();
    }
  };
  const read = fs.readFileSync;
  (fs as any).readFileSync = function (
    path: fs.PathOrFileDescriptor,
    ...rest: any[]
  ) {
    const out = (read as any).call(fs, path, ...rest);
    if (typeof path !== 'number' && String(path) === target) {
      edit();
    }
    return out;
  };
  // `import { openSync } from 'node:fs'` sees the wrappers too.
  syncBuiltinESMExports();
}
