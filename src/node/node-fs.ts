import {
  lstatSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  statSync,
  type Dirent,
  type Stats
} from 'node:fs';
import { relative, isAbsolute, resolve } from 'node:path';
import { fsdecode, fsencode, hasRawBytes } from '../snapshot/fsname.js';
import type { IDirEntry, IFileSystem } from '../snapshot/types.js';
import { readRegular } from './write-if-unchanged.js';

/**
 * The snapshot engine's file-system interface over Node's `fs`. Synchronous
 * calls inside an async method: a folder is listed in one go, which is much
 * faster than one promise per `stat` on big trees.
 */
export class NodeFileSystem implements IFileSystem {
  /** The root's real path, to tell links that point outside it. */
  readonly realRoot: string;

  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.realRoot = realpathSync(root);
  }

  /** Identity of the root, for loop detection. */
  get rootId(): string {
    return identity(statSync(this.realRoot));
  }

  async list(path: string): Promise<IDirEntry[]> {
    const dir = this.bytes(path);
    // Stat by name from inside the folder, as `find` does with fstatat: the
    // kernel then resolves one path component instead of the whole path,
    // which makes a big tree's check about a third faster. chdir() takes
    // only UTF-8 strings, so a folder whose path is not uses whole paths.
    const byName = !hasRawBytes(path) && !hasRawBytes(this.root);
    const cwd = process.cwd();
    const entries: IDirEntry[] = [];
    if (byName) {
      process.chdir(dir.toString());
    }
    try {
      // Names decoded natively, the common case: only a folder where one
      // does not decode (U+FFFD shows) is listed again as bytes below.
      const named = byName ? readdirSync(dir, { withFileTypes: true }) : [];
      if (byName && !named.some(d => d.name.includes('\ufffd'))) {
        for (const d of named) {
          entries.push(this.entry(d, d.name, d.name, () => dir, byName));
        }
        return entries;
      }
      // Names as bytes: a name that is not valid UTF-8 would otherwise come
      // back with U+FFFD in it, naming no file. fsdecode keeps every byte.
      const dirents = readdirSync(dir, {
        withFileTypes: true,
        encoding: 'buffer'
      });
      for (const d of dirents) {
        entries.push(
          this.entry(d, fsdecode(d.name), d.name, () => dir, byName)
        );
      }
      return entries;
    } finally {
      if (byName) {
        process.chdir(cwd);
      }
    }
  }

  async read(path: string): Promise<Uint8Array> {
    return readRegular(this.bytes(path), path, true);
  }

  /** A root-relative path as the bytes that name it. */
  bytes(path: string): Buffer {
    const root = Buffer.from(this.root);
    return path === ''
      ? root
      : Buffer.concat([root, Buffer.from('/'), fsencode(path)]);
  }

  /**
   * One folder entry; `raw` is its name as listed (string or bytes), `dir`
   * gives the folder's bytes when a whole path is needed.
   */
  private entry(
    d: Dirent<string> | Dirent<Buffer>,
    name: string,
    raw: string | Buffer,
    dir: () => Buffer,
    byName: boolean
  ): IDirEntry {
    const abs = () =>
      Buffer.concat([dir(), Buffer.from('/'), Buffer.from(raw)]);
    const here = byName ? raw : abs();
    try {
      if (d.isFile()) {
        const st = lstatSync(here);
        return withAccess(
          { name, kind: 'file', size: st.size, mtime: st.mtimeMs },
          st
        );
      }
      if (d.isDirectory()) {
        return { name, kind: 'dir', size: 0, id: identity(lstatSync(here)) };
      }
      if (d.isSymbolicLink()) {
        return this.linkEntry(abs(), name);
      }
      return { name, kind: 'other', size: 0 };
    } catch (err) {
      return { name, kind: 'other', size: 0, error: reason(err) };
    }
  }

  private linkEntry(abs: Buffer, name: string): IDirEntry {
    const target = fsdecode(readlinkSync(abs, { encoding: 'buffer' }));
    let real: string;
    let st: Stats;
    try {
      const realBytes = realpathSync(abs, { encoding: 'buffer' });
      real = fsdecode(realBytes);
      st = statSync(realBytes);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const dangling = code === 'ENOENT' || code === 'ENOTDIR';
      return {
        name,
        kind: 'other',
        size: 0,
        link: { target, outside: false, dangling, loop: code === 'ELOOP' },
        error: reason(err)
      };
    }
    const rel = relative(this.realRoot, real);
    const outside = rel.startsWith('..') || isAbsolute(rel);
    const link = { target, outside, dangling: false };
    if (st.isFile()) {
      return withAccess(
        { name, kind: 'file', size: st.size, mtime: st.mtimeMs, link },
        st
      );
    }
    if (st.isDirectory()) {
      return { name, kind: 'dir', size: 0, id: identity(st), link };
    }
    return { name, kind: 'other', size: 0, link };
  }
}

const UID = process.getuid?.() ?? -1;
const GROUPS = new Set([
  process.getgid?.() ?? -1,
  ...(process.getgroups?.() ?? [])
]);

/**
 * Marks a file that cannot be opened for reading, as `os.access(R_OK)`
 * answers it (azureml-core leaves such a file out), from the mode bits
 * already at hand rather than one more system call per file. Root reads
 * everything.
 */
function withAccess(entry: IDirEntry, st: Stats): IDirEntry {
  if (UID === 0) {
    return entry;
  }
  const bit = st.uid === UID ? 0o400 : GROUPS.has(st.gid) ? 0o040 : 0o004;
  if ((st.mode & bit) === 0) {
    entry.readable = false;
  }
  return entry;
}

function identity(st: Stats): string {
  return `${st.dev}:${st.ino}`;
}

function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOENT':
      return 'no longer exists';
    default:
      return e.code ?? String(e.message ?? err);
  }
}
