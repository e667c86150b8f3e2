import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  linkSync,
  lstatSync,
  openSync,
  readSync,
  realpathSync,
  renameSync,
  unlinkSync,
  writeSync
} from 'node:fs';
import {
  basename,
  dirname,
  join,
  relative,
  isAbsolute,
  resolve
} from 'node:path';
import {
  WriteRefusedError,
  type IWriteIfUnchanged,
  type WriteOutcome
} from '../access/write-if-unchanged.js';
import { DirHandle, isSwapped } from './dir-handle.js';

export interface INodeWriterOptions {
  /** Called after the last check, just before the rename (tests only). */
  beforeCommit?(): void;
}

/**
 * The write protocol over Node's `fs`, for the CLI. The folder is confined
 * by its real path, then held open (DirHandle): every step after the check
 * names files through that handle, so a link swapped in meanwhile cannot
 * redirect the write.
 */
export class NodeWriter implements IWriteIfUnchanged {
  private readonly root: string;

  constructor(
    root: string,
    private readonly options: INodeWriterOptions = {}
  ) {
    this.root = resolve(root);
  }

  async writeIfUnchanged(
    path: string,
    text: string,
    expected: string | null
  ): Promise<WriteOutcome> {
    const target = join(this.root, path);
    try {
      return this.write(path, target, text, expected);
    } catch (err) {
      if (err instanceof WriteRefusedError) {
        throw err;
      }
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'EACCES' || e.code === 'EPERM') {
        throw new WriteRefusedError(
          'permission',
          `cannot write ${target}: permission denied`,
          path
        );
      }
      throw new WriteRefusedError(
        'failed',
        `cannot write ${target}: ${e.message}`,
        path
      );
    }
  }

  private write(
    path: string,
    target: string,
    text: string,
    expected: string | null
  ): WriteOutcome {
    const folder = dirname(target);
    const realRoot = realpathSync(this.root);
    const realFolder = realpathSync(folder);
    const rel = relative(realRoot, realFolder);
    if (rel.startsWith('..') || isAbsolute(rel)) {
      throw new WriteRefusedError(
        'outside',
        `cannot write ${target}: a link leads it outside ${this.root} (to ${realFolder}); nothing was written`,
        path
      );
    }
    let dir: DirHandle;
    try {
      dir = DirHandle.openReal(realFolder);
    } catch (err) {
      if (isSwapped(err)) {
        throw new WriteRefusedError(
          'failed',
          `cannot write ${target}: its folder was replaced (by a link) while it was checked; nothing was written`,
          path
        );
      }
      throw err;
    }
    try {
      return this.writeIn(dir, basename(target), path, text, expected);
    } finally {
      dir.close();
    }
  }

  private writeIn(
    dir: DirHandle,
    name: string,
    path: string,
    text: string,
    expected: string | null
  ): WriteOutcome {
    const target = dir.at(name);
    const before = current(target, path);
    if (before.text !== expected) {
      return 'changed';
    }
    // Short whatever the target's name (NAME_MAX is 255 bytes).
    const tmp = dir.at(`.sg-tmp-${randomBytes(6).toString('hex')}.part`);
    const fd = openSync(
      tmp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL,
      before.mode ?? 0o666
    );
    let committed = false;
    let open = true;
    try {
      writeSync(fd, Buffer.from(text, 'utf8'));
      fsyncSync(fd);
      closeSync(fd);
      open = false;
      this.options.beforeCommit?.();
      if (current(target, path).text !== expected) {
        return 'changed';
      }
      if (expected === null) {
        // link() never replaces: a file created meanwhile makes it fail.
        try {
          linkSync(tmp, target);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
            return 'changed';
          }
          throw err;
        }
      } else {
        renameSync(tmp, target);
      }
      committed = true;
      return 'written';
    } finally {
      if (open) {
        closeSync(fd);
      }
      if (!committed || expected === null) {
        try {
          unlinkSync(tmp);
        } catch {
          // renamed, or never made
        }
      }
    }
  }
}

/** The file's text and mode now; null text when it does not exist. */
function current(
  target: string,
  path: string
): { text: string | null; mode?: number } {
  let st;
  try {
    st = lstatSync(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return { text: null };
    }
    throw err;
  }
  if (st.isSymbolicLink()) {
    throw new WriteRefusedError(
      'link',
      `${path} is a link: it is not replaced (that would cut the link and leave its target stale); edit it by hand`,
      path
    );
  }
  if (!st.isFile()) {
    throw new WriteRefusedError(
      'not-a-file',
      `${path} is not a regular file; nothing was written`,
      path
    );
  }
  return {
    text: readRegular(target, path).toString('utf8'),
    mode: st.mode & 0o7777
  };
}

/** A regular file's bytes; refuses (never blocks on) a FIFO or device. */
export function readRegular(
  target: string | Buffer,
  path: string,
  follow = false
): Buffer {
  const fd = openSync(
    target,
    constants.O_RDONLY |
      constants.O_NONBLOCK |
      (follow ? 0 : constants.O_NOFOLLOW)
  );
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      throw new WriteRefusedError(
        'not-a-file',
        `${path} is not a regular file`,
        path
      );
    }
    const chunks: Buffer[] = [];
    for (;;) {
      const buf = Buffer.allocUnsafe(64 << 10);
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) {
        return Buffer.concat(chunks);
      }
      chunks.push(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
}
