import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readAhead, type ChunkReader } from '../../src/submit/read-ahead.js';

/** Files in memory, and a reader over them that answers when released. */
function files(sizes: Record<string, number>) {
  const data = new Map(
    Object.entries(sizes).map(([path, size]) => [
      path,
      Uint8Array.from({ length: size }, (_, i) => (i + path.length) % 251)
    ])
  );
  const calls: { path: string; offset: number; length: number }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const failing = new Set<string>();
  const read: ChunkReader = async (path, offset, length) => {
    calls.push({ path, offset, length });
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    // Answered later, as the helper does: others can be asked meanwhile.
    await new Promise(resolve => setImmediate(resolve));
    inFlight--;
    if (failing.has(path)) {
      throw new Error(`cannot read ${path}`);
    }
    const bytes = data.get(path)!;
    const part = bytes.slice(offset, offset + length);
    return { data: part, eof: offset + part.length >= bytes.length };
  };
  return { data, calls, read, failing, maxInFlight: () => maxInFlight };
}

async function all(it: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of it) {
    parts.push(p);
  }
  return new Uint8Array(Buffer.concat(parts));
}

describe('readAhead', () => {
  const sizes: Record<string, number> = {};
  for (let i = 0; i < 40; i++) {
    sizes[`f${i}.txt`] = (i * 37) % 100;
  }
  sizes['big.bin'] = 1000;
  const entries = Object.entries(sizes).map(([path, size]) => ({
    path,
    size
  }));

  test('each file comes whole and in order; several are asked for at once, within the budgets', async () => {
    const fs = files(sizes);
    const read = readAhead(entries, fs.read, {
      chunk: 256,
      files: 8,
      bytes: 100_000
    });
    for (const e of entries) {
      assert.deepEqual(await all(read(e.path, e.size)), fs.data.get(e.path));
    }
    assert.ok(fs.maxInFlight() > 1, `in flight at most ${fs.maxInFlight()}`);
    // The file being read plus at most `files` ahead.
    assert.ok(fs.maxInFlight() <= 9, `in flight ${fs.maxInFlight()}`);
    // big.bin in chunks of 256: 4 requests, offsets 0, 256, 512, 768.
    assert.deepEqual(
      fs.calls.filter(c => c.path === 'big.bin').map(c => c.offset),
      [0, 256, 512, 768]
    );
  });

  test('the byte budget holds back reading ahead', async () => {
    // Files of 40 to 99 bytes, 60 bytes ahead at most: one at a time.
    const mid: Record<string, number> = {};
    for (let i = 0; i < 20; i++) {
      mid[`m${i}.txt`] = 40 + ((i * 13) % 60);
    }
    const fs = files(mid);
    const read = readAhead(
      Object.entries(mid).map(([path, size]) => ({ path, size })),
      fs.read,
      { chunk: 256, files: 8, bytes: 60 }
    );
    for (const [path, size] of Object.entries(mid)) {
      assert.deepEqual(await all(read(path, size)), fs.data.get(path));
    }
    assert.equal(fs.maxInFlight(), 2);
  });

  test('a file that grew yields size + 1 bytes (the packer sees it)', async () => {
    const fs = files({ 'a.txt': 50 });
    const read = readAhead([{ path: 'a.txt', size: 10 }], fs.read, {
      chunk: 4,
      files: 8,
      bytes: 1000
    });
    const got = await all(read('a.txt', 10));
    assert.equal(got.length, 11);
  });

  test("a file's error comes at its turn; the files before it are whole", async () => {
    const fs = files(sizes);
    fs.failing.add('f5.txt');
    const read = readAhead(entries, fs.read, {
      chunk: 256,
      files: 8,
      bytes: 100_000
    });
    for (const e of entries.slice(0, 5)) {
      assert.deepEqual(await all(read(e.path, e.size)), fs.data.get(e.path));
    }
    await assert.rejects(all(read('f5.txt', sizes['f5.txt'])), /f5\.txt/);
  });

  test('a file asked for out of order is read then', async () => {
    const fs = files(sizes);
    const read = readAhead(entries, fs.read, {
      chunk: 256,
      files: 4,
      bytes: 100_000
    });
    assert.deepEqual(
      await all(read('f30.txt', sizes['f30.txt'])),
      fs.data.get('f30.txt')
    );
    assert.deepEqual(
      await all(read('f0.txt', sizes['f0.txt'])),
      fs.data.get('f0.txt')
    );
  });
});
