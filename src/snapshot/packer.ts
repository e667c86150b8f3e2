/**
 * Streams a zip of exactly the given files. Runs in the browser and in Node:
 * the caller supplies how to read a file and where the zip bytes go.
 */
import { Deflate, Zip, deflateSync } from 'fflate';
import type { AsyncFlateStreamHandler, ZipInputFile } from 'fflate';
import { formatBytes, formatCount } from './format.js';
import { errorMessage } from './errors.js';
import { escapeUnsafe, fsencode, hasRawBytes } from './fsname.js';

/** One file to put in the zip. */
export interface IPackEntry {
  /**
   * Path relative to the snapshot root, `/`-separated; the name in the zip.
   * Bytes that are not valid UTF-8 come as escapes (see fsname.ts) and go
   * into the zip as the exact bytes.
   */
  path: string;
  /** Expected size in bytes; the packer fails if the content differs. */
  size: number;
  /** Modification time in ms since the epoch (clamped to 1980–2099). */
  mtime?: number;
  /** Unix permission bits such as `0o755`; `0o644` when left out. */
  mode?: number;
}

export interface IPackProgress {
  /** Files written completely. */
  files: number;
  /** Uncompressed bytes read so far. */
  bytes: number;
}

export interface IPackResult extends IPackProgress {
  /** Size of the zip written. */
  zipBytes: number;
}

export interface IPackOptions {
  /**
   * Contents of one file, in chunks. `size` is the expected size: a reader
   * may stop after `size + 1` bytes, enough to show the file grew.
   */
  read(path: string, size: number): AsyncIterable<Uint8Array>;
  /**
   * Consumer of zip bytes; awaited, so memory stays bounded (backpressure).
   * The packer never reuses a chunk it has handed over, so the consumer
   * may keep it (for example to build a Blob).
   */
  write(chunk: Uint8Array): Promise<void> | void;
  /** Called after every chunk read and every file completed. */
  onProgress?(done: IPackProgress): void;
  signal?: AbortSignal;
  /**
   * `auto` (default): deflate (level 1) text-like files, store the rest.
   * `store`: no compression at all, the fastest.
   */
  compress?: 'auto' | 'store';
  /**
   * Makes a raw DEFLATE (level 1) compressor for a file of `size` bytes.
   * Defaults to fflate's; Node passes one on zlib, faster and lighter.
   */
  createDeflater?(size: number): IDeflater;
  /**
   * CRC-32 of `chunk` continuing from `crc` (0 to start), as zlib's
   * `crc32(data, value)`. Defaults to our own; Node passes zlib's native one,
   * several times faster: storing is CRC-bound.
   */
  crc32?(chunk: Uint8Array, crc: number): number;
}

/** A raw DEFLATE compressor for one file. */
export interface IDeflater {
  /** Compressed output so far; after `final`, all of it. */
  push(chunk: Uint8Array, final: boolean): Uint8Array[] | Promise<Uint8Array[]>;
  /** Frees resources; called when the file is done or packing stopped. */
  close?(): void;
}

/** Why a zip could not be made; the message is meant for the user. */
export class PackError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PackError';
  }
}

/** fflate writes no ZIP64 records, so these classic limits apply. */
export const ZIP_MAX_ENTRIES = 0xffff;
/** 0xFFFFFFFF itself would mean "see ZIP64", so sizes and offsets stay below. */
export const ZIP_MAX_BYTES = 0xfffffffe;

// Local header + data descriptor + central header, without the name.
const ENTRY_OVERHEAD = 30 + 16 + 46;
const END_RECORD = 22;
// Output is coalesced into blocks of this size so that many small files do
// not cost one `write` each; bigger chunks pass through uncopied.
const STAGE_SIZE = 1 << 20;
const DIRECT_SIZE = 64 << 10;
/** Files up to this size are deflated in one call. */
export const SMALL_DEFLATE = 256 << 10;

const EMPTY = new Uint8Array(0);

/**
 * Extensions worth deflating: text, code and text-based data. Anything not
 * listed (images, archives, parquet, model weights, unknown binaries) is
 * stored, because deflating it wastes time for next to no gain.
 */
const COMPRESSIBLE = new Set(
  (
    'txt md markdown rst tex bib log out err csv tsv psv json jsonl ndjson ' +
    'geojson ipynb py pyi pyx pxd r rmd jl js mjs cjs ts tsx jsx vue html ' +
    'htm xhtml css scss sass less xml xsd xsl svg yaml yml toml ini cfg ' +
    'conf properties env sh bash zsh fish bat cmd ps1 sql c h cc cpp cxx ' +
    'hpp hxx cu cuh java kt kts scala groovy gradle go rs rb pl pm php lua ' +
    'swift m mm cs fs vb dart hs ml clj ex exs erl proto thrift graphql ' +
    'dockerfile makefile mk cmake gitignore amlignore gitattributes ' +
    'dockerignore editorconfig lock patch diff srt vtt arff libsvm'
  ).split(' ')
);
/** Whole names (lower-case) of common extension-less text files. */
const COMPRESSIBLE_NAMES = new Set(
  (
    'dockerfile makefile license licence readme changelog authors notice ' +
    'requirements procfile gemfile rakefile jenkinsfile vagrantfile'
  ).split(' ')
);

/** True when `auto` compression deflates this file (decided by its name). */
export function isCompressible(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1).toLowerCase();
  const dot = name.lastIndexOf('.');
  if (dot < 0) {
    return COMPRESSIBLE_NAMES.has(name);
  }
  return COMPRESSIBLE.has(name.slice(dot + 1));
}

/**
 * Null when the entries can be packed; else a message saying why not:
 * ZIP limits (no ZIP64: at most 65,535 entries, every file and the whole
 * zip under 4 GiB), or a name that is not a clean relative path or repeats.
 */
export function zipLimitProblem(
  entries: readonly IPackEntry[],
  compress: 'auto' | 'store' = 'auto'
): string | null {
  if (entries.length > ZIP_MAX_ENTRIES) {
    return (
      `${formatCount(entries.length)} files is more than a zip ` +
      'can hold (65,535 without ZIP64). Exclude files or pack fewer.'
    );
  }
  const seen = new Set<string>();
  let total = END_RECORD;
  for (const e of entries) {
    const nameProblem = pathProblem(e.path);
    if (nameProblem) {
      return nameProblem;
    }
    if (seen.has(e.path)) {
      return `"${e.path}" is listed twice.`;
    }
    seen.add(e.path);
    if (!Number.isSafeInteger(e.size) || e.size < 0) {
      return `"${e.path}" has an invalid size (${e.size}).`;
    }
    if (e.size > ZIP_MAX_BYTES) {
      return (
        `"${e.path}" is ${formatBytes(e.size)}; a zip without ZIP64 only ` +
        'holds files under 4 GB. Exclude it.'
      );
    }
    total +=
      ENTRY_OVERHEAD + 2 * fsencode(e.path).length + worstData(e, compress);
  }
  if (total > ZIP_MAX_BYTES) {
    return (
      `The zip would be about ${formatBytes(total)}; a zip without ZIP64 ` +
      'must stay under 4 GB. Exclude large files or pack fewer.'
    );
  }
  return null;
}

/**
 * Writes a zip of `entries`, in the given order, through `opts.write`.
 * Nothing is written when the entries cannot be packed (`PackError`). When
 * it rejects (a file changed or could not be read, `write` failed, or the
 * signal aborted) the bytes already written are an incomplete zip and must
 * be discarded.
 */
export async function packZip(
  entries: readonly IPackEntry[],
  opts: IPackOptions
): Promise<IPackResult> {
  const { signal } = opts;
  const compress = opts.compress ?? 'auto';
  throwIfAborted(signal);
  const problem = zipLimitProblem(entries, compress);
  if (problem) {
    throw new PackError(problem);
  }

  const out = new Output(opts.write, signal);
  // fflate calls back synchronously; chunks wait here until drained.
  const queue: Uint8Array[] = [];
  let zipError: Error | null = null;
  const names = new RawNames(entries);
  const zip = new Zip((err, data) => {
    if (err) {
      zipError ??= err;
    } else if (data.length > 0) {
      try {
        names.patch(data);
      } catch (e) {
        zipError ??= e as Error;
      }
      queue.push(data);
    }
  });
  const drain = async () => {
    if (zipError) {
      throw new PackError(`Could not write the zip: ${zipError.message}`, {
        cause: zipError
      });
    }
    // Index loop, not shift(): the queue is short but shift() is O(n).
    for (let i = 0; i < queue.length; i++) {
      await out.put(queue[i]);
    }
    queue.length = 0;
  };

  const progress = { files: 0, bytes: 0 };
  const createDeflater = opts.createDeflater ?? createFflateDeflater;
  const crcOf = opts.crc32 ?? crc32;
  try {
    for (const [index, entry] of entries.entries()) {
      throwIfAborted(signal);
      names.next(index);
      const deflater =
        compress === 'auto' && entry.size > 0 && isCompressible(entry.path)
          ? createDeflater(entry.size)
          : null;
      const file = new ZipEntryStream(entry, deflater !== null, crcOf);
      zip.add(file);
      // Feeds one chunk (or the end) through the deflater into the zip.
      const feed = async (chunk: Uint8Array, final: boolean) => {
        file.update(chunk, final);
        if (!deflater) {
          file.emit(chunk, final);
        } else {
          let parts: Uint8Array[];
          try {
            parts = await abortable(deflater.push(chunk, final), signal);
          } catch (err) {
            throw wrapError(err, signal, `Could not compress "${entry.path}"`);
          }
          for (const part of parts) {
            file.emit(part, false);
          }
          if (final) {
            file.emit(EMPTY, true);
          }
        }
        await drain();
      };
      let read = 0;
      const cannotRead = `Could not read "${entry.path}"`;
      let chunks: AsyncIterator<Uint8Array>;
      try {
        chunks = opts.read(entry.path, entry.size)[Symbol.asyncIterator]();
      } catch (err) {
        throw wrapError(err, signal, cannotRead);
      }
      let finished = false;
      try {
        for (;;) {
          let next: IteratorResult<Uint8Array>;
          try {
            next = await abortable(chunks.next(), signal);
          } catch (err) {
            throw wrapError(err, signal, cannotRead);
          }
          if (next.done) {
            finished = true;
            break;
          }
          const chunk = next.value;
          if (chunk.length === 0) {
            continue;
          }
          read += chunk.length;
          if (read > entry.size) {
            throw changedSize(entry, read, true);
          }
          await feed(chunk, false);
          progress.bytes += chunk.length;
          opts.onProgress?.({ ...progress });
        }
        if (read !== entry.size) {
          throw changedSize(entry, read, false);
        }
        await feed(EMPTY, true);
      } finally {
        if (!finished) {
          // Closes the reader (its file handle); no need to wait for it.
          chunks.return?.()?.catch(() => undefined);
        }
        deflater?.close?.();
      }
      progress.files++;
      opts.onProgress?.({ ...progress });
    }
    throwIfAborted(signal);
    names.ending();
    zip.end();
    await drain();
    await out.flush();
  } catch (err) {
    zip.terminate();
    throw err;
  }
  return { ...progress, zipBytes: out.total };
}

/**
 * The default deflater, fflate's (pure JavaScript). Small files are
 * deflated in one call: fflate's streaming `Deflate` allocates ~2 MB of
 * tables per file, which made many small files slow and memory-hungry.
 */
export function createFflateDeflater(size: number): IDeflater {
  if (size <= SMALL_DEFLATE) {
    return gatheringDeflater(size, data => deflateSync(data, { level: 1 }));
  }
  const out: Uint8Array[] = [];
  const deflate = new Deflate({ level: 1 }, data => {
    out.push(data);
  });
  return {
    push(chunk, final) {
      deflate.push(chunk, final);
      return out.splice(0);
    }
  };
}

/**
 * A deflater for a small file (`size` bytes at most): gathers the chunks
 * and deflates them in one call to `deflateRaw` at the end.
 */
export function gatheringDeflater(
  size: number,
  deflateRaw: (data: Uint8Array) => Uint8Array
): IDeflater {
  // Copied in: a reader may reuse its buffer. The packer never passes
  // more than `size` bytes.
  const data = new Uint8Array(size);
  let got = 0;
  return {
    push(chunk, final) {
      data.set(chunk, got);
      got += chunk.length;
      return final ? [deflateRaw(data.subarray(0, got))] : [];
    }
  };
}

/**
 * Names that are not valid UTF-8 go into the zip as their exact bytes, as
 * Info-ZIP stores them (UTF-8 flag, bit 11, clear): fflate only takes names
 * as strings and would encode each escaped byte as U+FFFD. Such an entry is
 * given to fflate under a stand-in of the same byte length, and the
 * stand-in is overwritten in fflate's output as it passes: in the entry's
 * local header (its own chunk, at the offset where the entry starts) and in
 * the central directory (one chunk, emitted by `end()`). No offset moves.
 */
class RawNames {
  private readonly raw: (Uint8Array | null)[];
  private emitted = 0;
  private localAt = -1;
  private local: Uint8Array | null = null;
  private central = false;

  constructor(entries: readonly IPackEntry[]) {
    this.raw = entries.map(e =>
      hasRawBytes(e.path) ? fsencode(e.path) : null
    );
  }

  /** The name fflate writes for entry `path`. */
  static standIn(path: string): string {
    return path.replace(/[\udc80-\udcff]/g, '_');
  }

  /** Entry `index` is added next: its local header starts here. */
  next(index: number): void {
    this.local = this.raw[index];
    this.localAt = this.emitted;
  }

  /** The next chunks are the central directory. */
  ending(): void {
    this.central = this.raw.some(r => r !== null);
  }

  /** Called with every chunk fflate emits, in order. */
  patch(chunk: Uint8Array): void {
    if (this.local !== null && this.emitted === this.localAt) {
      writeName(chunk, 0, 0x04034b50, 6, 26, 30, this.local);
      this.local = null;
    }
    if (this.central) {
      this.central = false;
      let p = 0;
      for (const raw of this.raw) {
        if (raw !== null) {
          writeName(chunk, p, 0x02014b50, 8, 28, 46, raw);
        }
        p += 46 + u16(chunk, p + 28) + u16(chunk, p + 30) + u16(chunk, p + 32);
      }
    }
    this.emitted += chunk.length;
  }
}

/**
 * Overwrites the stand-in name of the header at `at` (signature `sig`,
 * flags at `flags`, name length at `len`, name at `name`) with `raw`.
 */
function writeName(
  b: Uint8Array,
  at: number,
  sig: number,
  flags: number,
  len: number,
  name: number,
  raw: Uint8Array
): void {
  const sigHere =
    (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
  if (
    sigHere !== sig ||
    u16(b, at + len) !== raw.length ||
    at + name + raw.length > b.length
  ) {
    throw new Error('a name that is not UTF-8 could not be written');
  }
  b[at + flags + 1] &= ~0x08;
  b.set(raw, at + name);
}

function u16(b: Uint8Array, at: number): number {
  return b[at] | (b[at + 1] << 8);
}

/**
 * One file of the zip, in fflate's `ZipInputFile` shape. The data (stored
 * or already deflated) is handed to `emit`; the CRC is computed here.
 */
class ZipEntryStream implements ZipInputFile {
  filename: string;
  size = 0;
  crc = 0;
  compression: number;
  flag: number;
  os = 3; // Unix: unzip then honours the permission bits below.
  attrs: number;
  mtime: number;
  ondata!: AsyncFlateStreamHandler;
  private running = 0;

  constructor(
    entry: IPackEntry,
    deflated: boolean,
    private readonly crcOf: (chunk: Uint8Array, crc: number) => number
  ) {
    this.filename = RawNames.standIn(entry.path);
    // Regular file type plus permissions, in the high 16 bits. Multiplying
    // keeps the number positive (a shift would go negative).
    this.attrs = (0o100000 | ((entry.mode ?? 0o644) & 0o7777)) * 0x10000;
    this.mtime = clampMtime(entry.mtime);
    this.compression = deflated ? 8 : 0;
    // Bits 1-2 say "super fast" deflate, as fflate sets for level 1.
    this.flag = deflated ? 3 : 0;
  }

  /** Accounts for uncompressed input. */
  update(chunk: Uint8Array, final: boolean) {
    // Never with no bytes: Node's zlib.crc32 answered 0 for an empty array
    // that had been through a deflate stream (Node 20.20).
    if (chunk.length > 0) {
      this.running = this.crcOf(chunk, this.running);
    }
    this.size += chunk.length;
    if (final) {
      // Zip reads crc and size when the final chunk arrives.
      this.crc = this.running;
    }
  }

  /** Passes (compressed or stored) data on to the zip. */
  emit(data: Uint8Array, final: boolean) {
    this.ondata(null, data, final);
  }
}

/** Coalesces small chunks, counts bytes, awaits the consumer. */
class Output {
  total = 0;
  private stage: Uint8Array | null = null;
  private staged = 0;

  constructor(
    private readonly write: (chunk: Uint8Array) => Promise<void> | void,
    private readonly signal: AbortSignal | undefined
  ) {}

  async put(chunk: Uint8Array) {
    if (this.total + chunk.length > ZIP_MAX_BYTES) {
      // Not reachable when zipLimitProblem passed; a guard against a
      // silently corrupt zip all the same.
      throw new PackError('The zip would reach 4 GB, which needs ZIP64.');
    }
    this.total += chunk.length;
    if (chunk.length >= DIRECT_SIZE) {
      await this.flush();
      await this.send(chunk);
      return;
    }
    if (this.stage && this.staged + chunk.length > this.stage.length) {
      await this.flush();
    }
    // A fresh block each time: the consumer may keep the previous one.
    this.stage ??= new Uint8Array(STAGE_SIZE);
    this.stage.set(chunk, this.staged);
    this.staged += chunk.length;
  }

  async flush() {
    if (this.stage && this.staged > 0) {
      const block = this.stage.subarray(0, this.staged);
      this.stage = null;
      this.staged = 0;
      await this.send(block);
    }
  }

  private async send(chunk: Uint8Array) {
    throwIfAborted(this.signal);
    try {
      await abortable(this.write(chunk), this.signal);
    } catch (err) {
      throw wrapError(err, this.signal, 'Could not write the zip');
    }
  }
}

/** DOS dates cover 1980–2107; fflate refuses anything after 2099. */
const MIN_MTIME = new Date(1980, 0, 1, 0, 0, 0).getTime();
const MAX_MTIME = new Date(2099, 11, 31, 23, 59, 58).getTime();

/** A zip-storable modification time (local time, as DOS dates are). */
export function clampMtime(mtime: number | undefined): number {
  const t = mtime === undefined || !Number.isFinite(mtime) ? Date.now() : mtime;
  return Math.min(Math.max(t, MIN_MTIME), MAX_MTIME);
}

const CRC_TABLE = makeCrcTable();

function makeCrcTable(): Int32Array {
  const t = new Int32Array(256 * 8);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) {
      c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    }
    t[i] = c;
  }
  for (let i = 0; i < 256; i++) {
    for (let s = 1; s < 8; s++) {
      const p = t[(s - 1) * 256 + i];
      t[s * 256 + i] = (p >>> 8) ^ t[p & 255];
    }
  }
  return t;
}

/**
 * CRC-32 (zip's), slicing-by-8, about three times faster than fflate's:
 * `crc` is the CRC so far (0 to start), as in zlib's `crc32(data, value)`.
 */
function crc32(d: Uint8Array, crc: number): number {
  const t = CRC_TABLE;
  let c = ~crc;
  const n = d.length;
  const n8 = n - (n & 7);
  let i = 0;
  for (; i < n8; i += 8) {
    const a =
      c ^ (d[i] | (d[i + 1] << 8) | (d[i + 2] << 16) | (d[i + 3] << 24));
    const b = d[i + 4] | (d[i + 5] << 8) | (d[i + 6] << 16) | (d[i + 7] << 24);
    c =
      t[1792 + (a & 255)] ^
      t[1536 + ((a >>> 8) & 255)] ^
      t[1280 + ((a >>> 16) & 255)] ^
      t[1024 + (a >>> 24)] ^
      t[768 + (b & 255)] ^
      t[512 + ((b >>> 8) & 255)] ^
      t[256 + ((b >>> 16) & 255)] ^
      t[b >>> 24];
  }
  for (; i < n; i++) {
    c = t[(c ^ d[i]) & 255] ^ (c >>> 8);
  }
  return ~c >>> 0;
}

/** Bytes an entry's data can take at worst (deflate may grow a little). */
function worstData(e: IPackEntry, compress: 'auto' | 'store'): number {
  if (compress === 'store' || e.size === 0 || !isCompressible(e.path)) {
    return e.size;
  }
  return e.size + Math.ceil(e.size / 1024) + 64;
}

function pathProblem(path: string): string | null {
  let bytes: number;
  try {
    bytes = fsencode(path).length;
  } catch {
    return `"${escapeUnsafe(path)}" is not a file name.`;
  }
  if (bytes > 0xffff) {
    return `A path is too long for a zip (${bytes} bytes): "${escapeUnsafe(path.slice(0, 80))}…"`;
  }
  const bad =
    path === '' ||
    path.startsWith('/') ||
    path.includes('\0') ||
    path.split('/').some(part => part === '' || part === '.' || part === '..');
  return bad ? `"${path}" is not a clean relative file path.` : null;
}

function changedSize(entry: IPackEntry, read: number, grew: boolean) {
  const what = grew
    ? `grew beyond ${formatCount(entry.size)} bytes`
    : `has ${formatCount(read)} bytes, not ${formatCount(entry.size)}`;
  return new PackError(
    `"${entry.path}" changed while packing (it ${what}). Pack again once ` +
      'nothing writes to the folder.'
  );
}

/** Aborts and PackErrors pass as they are; anything else gets context. */
function wrapError(
  err: unknown,
  signal: AbortSignal | undefined,
  what: string
) {
  if (isAbort(err, signal) || err instanceof PackError) {
    return err;
  }
  return new PackError(`${what}: ${errorMessage(err)}`, { cause: err });
}

function throwIfAborted(signal: AbortSignal | undefined) {
  if (signal?.aborted) {
    throw abortReason(signal);
  }
}

function abortReason(signal: AbortSignal): unknown {
  return (
    signal.reason ?? new DOMException('Packing was aborted.', 'AbortError')
  );
}

function isAbort(err: unknown, signal: AbortSignal | undefined): boolean {
  return (
    (signal?.aborted === true && err === signal.reason) ||
    (err instanceof Error && err.name === 'AbortError')
  );
}

/** Settles like `value`, or rejects as soon as `signal` aborts. */
function abortable<T>(
  value: Promise<T> | T,
  signal: AbortSignal | undefined
): Promise<T> | T {
  if (!signal || !(value instanceof Promise)) {
    return value;
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    if (signal.aborted) {
      onAbort();
    } else {
      signal.addEventListener('abort', onAbort, { once: true });
    }
    value.then(
      v => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      e => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      }
    );
  });
}
