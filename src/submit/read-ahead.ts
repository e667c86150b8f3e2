/**
 * The archive's reads, a few files ahead. Every helper request is a round
 * trip through the Jupyter server (about 50 ms each through jupyter_server
 * 1.23 here, `npm run bench`'s archive row), so reading one small file after
 * another is bound by that latency, not by bytes. The first chunk of each of
 * the next files is asked for before the packer reaches it, within a count
 * and a byte budget; the packer still gets each file's chunks in order.
 */

/** Up to `length` bytes of `path` from `offset`; `eof` once they reach its end. */
export type ChunkReader = (
  path: string,
  offset: number,
  length: number
) => Promise<{ data: Uint8Array; eof: boolean }>;

export interface IReadAheadOptions {
  /** Largest request, in bytes. */
  chunk: number;
  /** Files read ahead at most. */
  files: number;
  /** Bytes held ahead at most (first chunks not yet taken). */
  bytes: number;
}

/** Work between two chances for the page to handle input, in ms. */
const YIELD_MS = 10;

type Settled =
  { ok: true; data: Uint8Array; eof: boolean } | { ok: false; error: unknown };

/**
 * A `read(path, size)` for the packer over `entries`, in their order. Each
 * file is read up to `size + 1` bytes (enough to see that it grew); a file
 * asked for out of order is read then, without reading ahead.
 */
export function readAhead(
  entries: readonly { path: string; size: number }[],
  readChunk: ChunkReader,
  options: IReadAheadOptions
): (path: string, size: number) => AsyncIterable<Uint8Array> {
  const position = new Map<string, number>();
  entries.forEach((e, i) => {
    if (!position.has(e.path)) {
      position.set(e.path, i);
    }
  });
  const ahead = new Map<number, { bytes: number; result: Promise<Settled> }>();
  let aheadBytes = 0;
  let next = 0;
  let lastYield = performance.now();
  const firstLength = (size: number) => Math.min(options.chunk, size + 1);
  const start = (path: string, size: number): Promise<Settled> =>
    // Settled, never rejected: a file's error belongs to its turn.
    readChunk(path, 0, firstLength(size)).then(
      r => ({ ok: true, ...r }),
      error => ({ ok: false, error })
    );
  const fill = () => {
    while (
      next < entries.length &&
      ahead.size < options.files &&
      aheadBytes + firstLength(entries[next].size) <= options.bytes
    ) {
      const { path, size } = entries[next];
      const bytes = firstLength(size);
      ahead.set(next, { bytes, result: start(path, size) });
      aheadBytes += bytes;
      next++;
    }
  };

  return (path, size) => ({
    async *[Symbol.asyncIterator]() {
      const i = position.get(path);
      let first: Promise<Settled>;
      const held = i === undefined ? undefined : ahead.get(i);
      if (held && i !== undefined) {
        ahead.delete(i);
        aheadBytes -= held.bytes;
        first = held.result;
      } else {
        first = start(path, size);
        if (i !== undefined && i >= next) {
          next = i + 1;
        }
      }
      fill();
      // Between files, now and then, let the page handle input and paint
      // (not after every file: the browser holds a nested timeout ≥ 4 ms).
      if (performance.now() - lastYield >= YIELD_MS) {
        await new Promise(resolve => setTimeout(resolve, 0));
        lastYield = performance.now();
      }
      const r = await first;
      if (!r.ok) {
        throw r.error;
      }
      const limit = size + 1;
      let offset = r.data.length;
      if (r.data.length > 0) {
        yield r.data;
      }
      let eof = r.eof || r.data.length === 0;
      while (!eof && offset < limit) {
        const more = await readChunk(
          path,
          offset,
          Math.min(options.chunk, limit - offset)
        );
        if (more.data.length > 0) {
          yield more.data;
        }
        offset += more.data.length;
        eof = more.eof || more.data.length === 0;
      }
    }
  });
}
