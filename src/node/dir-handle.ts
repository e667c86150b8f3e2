/**
 * A folder held open, so that names written in it stay in it. Node has no
 * `openat`, but on Linux `/proc/self/fd/<fd>/<name>` resolves `<name>` in
 * the folder the descriptor holds, whatever happens to its path meanwhile:
 * a link swapped in for the folder (or any folder above it) after it was
 * checked cannot redirect a write.
 */
import { closeSync, constants, existsSync, openSync } from 'node:fs';

const FD_DIR = '/proc/self/fd';
const AT_FDS = existsSync(FD_DIR);
/**
 * O_PATH (Linux; Node does not export it): holds a folder without needing
 * read permission on it, as a path lookup needs only search permission.
 * Its value is the generic one on the architectures listed.
 */
const O_PATH = [
  'x64',
  'arm64',
  'ia32',
  'arm',
  'riscv64',
  'ppc64',
  's390x'
].includes(process.arch)
  ? 0o10000000
  : constants.O_RDONLY;
const HOLD = O_PATH | constants.O_DIRECTORY;

export class DirHandle {
  private constructor(
    /** The real path the folder had when it was opened. */
    readonly realPath: string,
    private readonly fd: number | null
  ) {}

  /**
   * Opens a folder by its real path (from `realpath`), one component at a
   * time from `/` with O_NOFOLLOW: if a link replaced any of them since the
   * path was resolved, this throws (ENOTDIR; ELOOP without O_PATH)
   * instead of following it, so the folder held is the one that was checked.
   */
  static openReal(realPath: string): DirHandle {
    if (!AT_FDS) {
      // No /proc (not Linux): by path, with the check-then-use window.
      return new DirHandle(realPath, null);
    }
    let fd = openSync('/', HOLD);
    try {
      for (const part of realPath.split('/').filter(p => p !== '')) {
        const next = openSync(
          `${FD_DIR}/${fd}/${part}`,
          HOLD | constants.O_NOFOLLOW
        );
        closeSync(fd);
        fd = next;
      }
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    return new DirHandle(realPath, fd);
  }

  /** A path naming `name` inside the folder held (one component). */
  at(name: string): string {
    if (name === '' || name.includes('/') || name === '.' || name === '..') {
      throw new Error(`not a name in a folder: ${JSON.stringify(name)}`);
    }
    return this.fd === null
      ? `${this.realPath}/${name}`
      : `${FD_DIR}/${this.fd}/${name}`;
  }

  close(): void {
    if (this.fd !== null) {
      closeSync(this.fd);
    }
  }
}

/** True for the errors `openReal` throws when a link replaced a folder. */
export function isSwapped(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ELOOP' || code === 'ENOTDIR' || code === 'ENOENT';
}
