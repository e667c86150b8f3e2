import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { open, realpath, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import {
  basename,
  dirname,
  isAbsolute,
  join,
  relative,
  resolve,
  sep
} from 'node:path';
import * as zlib from 'node:zlib';
import { fsencode } from '../snapshot/fsname.js';
import {
  PackError,
  SMALL_DEFLATE,
  gatheringDeflater,
  packZip,
  zipLimitProblem,
  type IDeflater,
  type IPackEntry,
  type IPackProgress,
  type IPackResult
} from '../snapshot/packer.js';
import { DirHandle, isSwapped } from './dir-handle.js';

export interface INodePackOptions {
  onProgress?(done: IPackProgress): void;
  signal?: AbortSignal;
  /** `auto` (default) deflates text-like files; `store` compresses nothing. */
  compress?: 'auto' | 'store';
}

/** Read size: big enough for few system calls, small enough for bounded memory. */
const READ_CHUNK = 1 << 20;
/**
 * Files up to this size are read with synchronous calls: a promise round
 * trip through libuv's thread pool per open/read/close made many small
 * files several times slower than `zip`.
 */
const SMALL_FILE = 256 << 10;

/**
 * Packs `entries` (paths relative to `root`) into the zip `outFile`. The zip
 * is written to a temporary file beside `outFile` and renamed over it when
 * complete, so `outFile` is either the old file or a whole new zip: on any
 * error or abort the temporary file is removed.
 */
export async function packFolderToFile(
  root: string,
  entries: readonly IPackEntry[],
  outFile: string,
  opts: INodePackOptions = {}
): Promise<IPackResult> {
  const rootReal = await realFolder(root, 'The folder to pack');
  const outDir = await realFolder(
    dirname(resolve(outFile)),
    'The folder for the zip'
  );
  const name = basename(resolve(outFile));
  if (isWithin(join(outDir, name), rootReal)) {
    // The zip would be packed into itself, or show up in the next check.
    throw new PackError(
      `The zip "${outFile}" would be inside the folder being packed ` +
        `("${root}"). Write it somewhere else.`
    );
  }
  const problem = zipLimitProblem(entries, opts.compress);
  if (problem) {
    throw new PackError(problem);
  }
  opts.signal?.throwIfAborted();

  // Held open from here: a link swapped in for the zip's folder after the
  // check above cannot send the zip elsewhere (into the folder packed).
  const dir = openOutDir(outDir, outFile);
  // Short whatever the zip's name (NAME_MAX is 255 bytes).
  const tmp = dir.at(`.sg-zip-${randomBytes(6).toString('hex')}.part`);
  let fh: FileHandle;
  try {
    fh = await open(tmp, 'wx+');
  } catch (err) {
    dir.close();
    throw err;
  }
  let done = false;
  const rootBytes = Buffer.from(rootReal);
  try {
    const result = await packZip(entries, {
      read: (path, size) =>
        readChunks(
          Buffer.concat([rootBytes, Buffer.from('/'), fsencode(path)]),
          size
        ),
      write: chunk => writeAll(fh, chunk),
      onProgress: opts.onProgress,
      signal: opts.signal,
      compress: opts.compress,
      createDeflater: createZlibDeflater,
      // Native since Node 20.15 and 22.2; older ones use the packer's own.
      crc32: zlib.crc32
    });
    // No fsync: like `zip`, we trust the OS to flush; rename keeps readers
    // from ever seeing a partial zip.
    await fh.close();
    await rename(tmp, dir.at(name));
    done = true;
    return result;
  } finally {
    if (!done) {
      // close() waits for a write still in flight after an abort.
      await fh.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
    }
    dir.close();
  }
}

function openOutDir(outDir: string, outFile: string): DirHandle {
  try {
    return DirHandle.openReal(outDir);
  } catch (err) {
    if (isSwapped(err)) {
      throw new PackError(
        `The folder for the zip "${outFile}" was replaced (by a link) while it was checked; nothing was written.`,
        { cause: err }
      );
    }
    throw err;
  }
}

/**
 * Raw DEFLATE level 1 on Node's zlib: native, several times faster than
 * fflate's JavaScript and without its per-file garbage. Small files in one
 * synchronous call; larger ones through a stream, one chunk at a time.
 */
export function createZlibDeflater(size: number): IDeflater {
  if (size <= SMALL_DEFLATE) {
    return gatheringDeflater(size, data =>
      zlib.deflateRawSync(data, { level: 1 })
    );
  }
  const z = zlib.createDeflateRaw({ level: 1, chunkSize: 64 << 10 });
  const out: Uint8Array[] = [];
  let failure: Error | null = null;
  z.on('data', (data: Buffer) => out.push(data));
  z.on('error', err => {
    failure = err;
  });
  return {
    push(chunk, final) {
      return new Promise<Uint8Array[]>((resolve, reject) => {
        const settle = (err?: Error | null) => {
          if (err || failure) {
            reject(err ?? failure);
          } else {
            resolve(out.splice(0));
          }
        };
        if (final) {
          // 'data' may come after a write's callback; 'end' comes last.
          z.once('end', () => settle());
          z.once('error', settle);
          z.end(chunk);
        } else {
          z.write(chunk, settle);
        }
      });
    },
    close() {
      z.destroy();
    }
  };
}

/**
 * A file's content in chunks of up to 1 MiB, reading at most `size + 1`
 * bytes: one byte past the expected size is enough to show the file grew.
 * The next read is started before a chunk is handed out, so disk reads
 * overlap with checksumming and writing.
 */
async function* readChunks(
  path: Buffer,
  size: number
): AsyncGenerator<Uint8Array> {
  if (size < SMALL_FILE) {
    yield readSmall(path, size);
    return;
  }
  const fh = await open(path, 'r');
  try {
    let pos = 0;
    let pending = readAt(fh, pos, Math.min(READ_CHUNK, size + 1));
    for (;;) {
      const { chunk, want } = await pending;
      if (chunk.length === 0) {
        return;
      }
      pos += chunk.length;
      // A short read means end of file for regular files.
      const more = chunk.length === want && pos <= size;
      if (more) {
        pending = readAt(fh, pos, Math.min(READ_CHUNK, size - pos + 1));
        // If the consumer stops early, nobody awaits this read.
        pending.catch(() => undefined);
      }
      yield chunk;
      if (!more) {
        return;
      }
    }
  } finally {
    await fh.close();
  }
}

/** The whole (small) file, or its first `size + 1` bytes if it grew. */
function readSmall(path: Buffer, size: number): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(size + 1);
    let got = 0;
    for (;;) {
      const n = readSync(fd, buf, got, buf.length - got, got);
      got += n;
      if (n === 0 || got === buf.length) {
        return buf.subarray(0, got);
      }
    }
  } finally {
    closeSync(fd);
  }
}

async function readAt(fh: FileHandle, pos: number, want: number) {
  // Fresh buffers: a chunk may still be in use while the next is read.
  const buf = Buffer.allocUnsafeSlow(want);
  const { bytesRead } = await fh.read(buf, 0, want, pos);
  return { chunk: buf.subarray(0, bytesRead), want };
}

async function writeAll(fh: FileHandle, chunk: Uint8Array) {
  let off = 0;
  while (off < chunk.length) {
    const { bytesWritten } = await fh.write(chunk, off, chunk.length - off);
    off += bytesWritten;
  }
}

async function realFolder(path: string, what: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (err) {
    throw new PackError(`${what} ("${path}") cannot be found.`, {
      cause: err
    });
  }
}

function isWithin(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return (
    rel === '' ||
    (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel))
  );
}
