/**
 * Preloaded into a CLI process by a test (NODE_OPTIONS=--import): just
 * before the process creates its first temporary file (`.sg-tmp-…` for an
 * .amlignore, `.sg-zip-…` for a zip), "someone else" moves the folder
 * SWAP_DIR aside (to SWAP_DIR.moved) and puts a link to SWAP_TO in its
 * place. That is the moment after the CLI checked the folder's real path
 * and before it writes: a write that names the folder by path would follow
 * the link.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { basename } from 'node:path';

const dir = process.env.SWAP_DIR;
const to = process.env.SWAP_TO;

if (dir && to) {
  let swapped = false;
  const swap = (path: unknown) => {
    if (!swapped && /^\.sg-(tmp|zip)-/.test(basename(String(path)))) {
      swapped = true;
      fs.renameSync(dir, `${dir}.moved`);
      fs.symlinkSync(to, dir);
    }
  };
  const openSync = fs.openSync;
  (fs as any).openSync = function (path: fs.PathLike, ...rest: any[]) {
    swap(path);
    return (openSync as any).call(fs, path, ...rest);
  };
  const open = fsp.open;
  (fsp as any).open = function (path: fs.PathLike, ...rest: any[]) {
    swap(path);
    return (open as any).call(fsp, path, ...rest);
  };
  // `import { openSync } from 'node:fs'` sees the wrappers too.
  syncBuiltinESMExports();
}
