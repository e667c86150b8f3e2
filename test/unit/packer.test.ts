import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  utimesSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { packFolderToFile } from '../../src/node/node-pack.js';
import {
  PackError,
  isCompressible,
  packZip,
  zipLimitProblem,
  type IPackEntry
} from '../../src/snapshot/packer.js';
import { hexName, zipEntries } from '../helpers/zip-names.js';

const MiB = 1 << 20;
const GiB = 1024 * MiB;
// unzip prints names in the locale's charset; UTF-8 keeps them comparable.
const UNZIP_ENV = { ...process.env, LC_ALL: 'C.UTF-8' };

const temps: string[] = [];
after(() => {
  for (const t of temps) {
    rmSync(t, { recursive: true, force: true });
  }
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'packer-test-'));
  temps.push(dir);
  return dir;
}

/** Writes `files` under a new temp folder; returns the folder. */
function makeTree(files: Record<string, Uint8Array | string>): string {
  const root = tempDir();
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

function entriesOf(root: string, paths: string[]): IPackEntry[] {
  return paths.map(path => {
    const st = statSync(join(root, path));
    return { path, size: st.size, mtime: st.mtimeMs, mode: st.mode & 0o777 };
  });
}

function randomBytes(n: number): Uint8Array {
  return randomFillSync(new Uint8Array(n));
}

function unzip(args: string[]): string {
  return execFileSync('unzip', args, { env: UNZIP_ENV, encoding: 'utf8' });
}

/** Name → method (`stor`, `defS`, ...) from zipinfo's short listing. */
function methods(zip: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of unzip(['-Z', '-s', zip]).split('\n')) {
    const m =
      /^[-d]\S+\s+\S+\s+\S+\s+\d+\s+\S+\s+(\S+)\s+\S+\s+\S+\s(.*)$/.exec(line);
    if (m) {
      out.set(m[2], m[1]);
    }
  }
  return out;
}

/** Files left in `dir` apart from `keep` (temp files must not remain). */
function leftovers(dir: string, keep: string[] = []): string[] {
  return readdirSync(dir).filter(n => !keep.includes(n));
}

async function rejectsWith(
  p: Promise<unknown>,
  check: (err: any) => boolean
): Promise<any> {
  let caught: any = null;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught, 'expected a rejection');
  assert.ok(check(caught), `unexpected error: ${caught?.stack ?? caught}`);
  return caught;
}

const TREE: Record<string, Uint8Array | string> = {
  'notebook.ipynb': JSON.stringify({ cells: [], nbformat: 4 }).repeat(50),
  'données.csv': 'a,b,c\n1,2,3\n'.repeat(5000),
  '日本/ファイル.txt': 'こんにちは世界\n'.repeat(100),
  'empty.txt': '',
  'src/pkg/deep/module.py': 'def f():\n    return 42\n'.repeat(300),
  'src/pkg/__init__.py': '',
  'data/blob.bin': randomBytes(3 * MiB + 17),
  'data/image.png': randomBytes(70_000),
  'data/model.pt': randomBytes(1 * MiB),
  'data/archive.zip': randomBytes(4096),
  'run.sh': '#!/bin/sh\necho hi\n',
  '.amlignore': 'outputs/\n',
  'naïve café/ñ.json': '{"k": "v"}',
  // Over 256 KiB: deflated as a stream rather than in one call.
  'logs/train.log': Array.from(
    { length: 40_000 },
    (_, i) => `step ${i} loss ${Math.sin(i)}\n`
  ).join('')
};
const TREE_ORDER = [
  'src/pkg/deep/module.py',
  'données.csv',
  '日本/ファイル.txt',
  'empty.txt',
  'data/blob.bin',
  'notebook.ipynb',
  'data/image.png',
  'src/pkg/__init__.py',
  'data/model.pt',
  'data/archive.zip',
  'run.sh',
  '.amlignore',
  'naïve café/ñ.json',
  'logs/train.log'
];

describe('packFolderToFile', () => {
  test('packs exactly the given files; unzip tests, lists and extracts them', async () => {
    const root = makeTree(TREE);
    // Modes set here, not left to the umask: they must survive the zip.
    chmodSync(join(root, 'run.sh'), 0o755);
    chmodSync(join(root, 'données.csv'), 0o644);
    const outDir = tempDir();
    const zip = join(outDir, 'snap.zip');
    const progress: number[] = [];
    const entries = entriesOf(root, TREE_ORDER);
    const result = await packFolderToFile(root, entries, zip, {
      onProgress: p => progress.push(p.bytes)
    });
    const total = entries.reduce((n, e) => n + e.size, 0);
    assert.equal(result.files, TREE_ORDER.length);
    assert.equal(result.bytes, total);
    assert.equal(result.zipBytes, statSync(zip).size);
    assert.equal(progress.at(-1), total);
    assert.deepEqual(leftovers(outDir), ['snap.zip']);

    assert.match(unzip(['-t', zip]), /No errors detected/);
    // Same entries, same order, nothing else (no folder entries either).
    assert.deepEqual(unzip(['-Z1', zip]).trimEnd().split('\n'), TREE_ORDER);

    const x = tempDir();
    unzip(['-q', zip, '-d', x]);
    for (const path of TREE_ORDER) {
      assert.deepEqual(
        readFileSync(join(x, path)),
        readFileSync(join(root, path)),
        path
      );
      // DOS times have 2-second steps.
      const diff =
        statSync(join(root, path)).mtimeMs - statSync(join(x, path)).mtimeMs;
      assert.ok(diff >= 0 && diff < 2000, `${path} mtime off by ${diff} ms`);
    }
    assert.equal(statSync(join(x, 'run.sh')).mode & 0o777, 0o755);
    assert.equal(statSync(join(x, 'données.csv')).mode & 0o777, 0o644);

    const m = methods(zip);
    for (const p of [
      'données.csv',
      'notebook.ipynb',
      'src/pkg/deep/module.py',
      'logs/train.log'
    ]) {
      assert.match(m.get(p) ?? '', /^def/, p);
    }
    for (const p of [
      'data/blob.bin',
      'data/image.png',
      'data/model.pt',
      'data/archive.zip',
      'empty.txt'
    ]) {
      assert.equal(m.get(p), 'stor', p);
    }
  });

  test("compress: 'store' stores everything", async () => {
    const root = makeTree(TREE);
    const zip = join(tempDir(), 'store.zip');
    const entries = entriesOf(root, TREE_ORDER);
    const r = await packFolderToFile(root, entries, zip, { compress: 'store' });
    const stored = [...methods(zip).values()];
    assert.equal(stored.length, entries.length);
    assert.ok(stored.every(m => m === 'stor'));
    assert.match(unzip(['-t', zip]), /No errors detected/);
    // Stored: each entry costs 30 + 16 + 46 bytes plus its name twice.
    const names = entries.reduce(
      (n, e) => n + 2 * Buffer.byteLength(e.path),
      0
    );
    assert.equal(r.zipBytes, r.bytes + 92 * entries.length + names + 22);
  });

  test('clamps mtimes to 1980–2099 and still extracts', async () => {
    const root = makeTree({
      'old.txt': 'old\n',
      'future.csv': 'x\n',
      'epoch.bin': 'e'
    });
    utimesSync(
      join(root, 'old.txt'),
      new Date(1975, 5, 1),
      new Date(1975, 5, 1)
    );
    utimesSync(join(root, 'epoch.bin'), 0, 0);
    utimesSync(
      join(root, 'future.csv'),
      new Date(2150, 0, 1),
      new Date(2150, 0, 1)
    );
    const paths = ['old.txt', 'future.csv', 'epoch.bin'];
    const zip = join(tempDir(), 'times.zip');
    await packFolderToFile(root, entriesOf(root, paths), zip);
    assert.match(unzip(['-t', zip]), /No errors detected/);
    const x = tempDir();
    unzip(['-q', zip, '-d', x]);
    for (const p of ['old.txt', 'epoch.bin']) {
      const t = statSync(join(x, p)).mtime;
      assert.equal(t.getTime(), new Date(1980, 0, 1).getTime(), p);
      assert.deepEqual(readFileSync(join(x, p)), readFileSync(join(root, p)));
    }
    assert.equal(statSync(join(x, 'future.csv')).mtime.getFullYear(), 2099);
  });

  test('refuses a zip inside the folder being packed', async () => {
    const root = makeTree({ 'a.txt': 'a' });
    await rejectsWith(
      packFolderToFile(root, entriesOf(root, ['a.txt']), join(root, 'out.zip')),
      e =>
        e instanceof PackError &&
        /inside the folder being packed/.test(e.message)
    );
    assert.deepEqual(leftovers(root), ['a.txt']);
  });

  test('refuses 65,536 entries before writing anything', async () => {
    const outDir = tempDir();
    const many = Array.from({ length: 65_536 }, (_, i) => ({
      path: `f${i}`,
      size: 0
    }));
    const err = await rejectsWith(
      packFolderToFile(tempDir(), many, join(outDir, 'many.zip')),
      e => e instanceof PackError
    );
    assert.match(err.message, /65,536 files/);
    assert.match(err.message, /65,535/);
    assert.deepEqual(leftovers(outDir), []);
    assert.equal(zipLimitProblem(many.slice(1)), null);
  });

  test('refuses a 4 GiB file and a 4 GiB total, writing nothing', async () => {
    const root = tempDir();
    // Sparse files: no disk space used.
    writeFileSync(join(root, 'huge.bin'), '');
    truncateSync(join(root, 'huge.bin'), 4 * GiB);
    writeFileSync(join(root, 'a.bin'), '');
    truncateSync(join(root, 'a.bin'), 2.5 * GiB);
    writeFileSync(join(root, 'b.bin'), '');
    truncateSync(join(root, 'b.bin'), 2.5 * GiB);
    const outDir = tempDir();
    const zip = join(outDir, 'big.zip');

    const one = await rejectsWith(
      packFolderToFile(root, entriesOf(root, ['huge.bin']), zip),
      e => e instanceof PackError
    );
    assert.match(one.message, /"huge\.bin" is 4 GB/);
    assert.match(one.message, /ZIP64/);

    const two = await rejectsWith(
      packFolderToFile(root, entriesOf(root, ['a.bin', 'b.bin']), zip),
      e => e instanceof PackError
    );
    assert.match(two.message, /must stay under 4 GB/);
    assert.deepEqual(leftovers(outDir), []);

    // Just under the limits is fine for the check.
    assert.equal(
      zipLimitProblem([{ path: 'x', size: 0xffffffff - 200 }]),
      null
    );
  });

  test('an abort mid-way rejects with AbortError and leaves no file', async () => {
    const root = tempDir();
    // b.csv is deflated through a zlib stream, which must be let go of.
    const names = ['a.bin', 'b.csv', 'c.bin'];
    for (const n of names) {
      writeFileSync(join(root, n), '');
      truncateSync(join(root, n), 16 * MiB);
    }
    const outDir = tempDir();
    const zip = join(outDir, 'abort.zip');
    writeFileSync(zip, 'previous');
    const ac = new AbortController();
    let calls = 0;
    await rejectsWith(
      packFolderToFile(root, entriesOf(root, names), zip, {
        signal: ac.signal,
        onProgress: p => {
          calls++;
          if (p.bytes >= 20 * MiB) {
            ac.abort();
          }
        }
      }),
      e => e.name === 'AbortError'
    );
    assert.ok(calls < 30, `aborted late (${calls} progress calls)`);
    // The earlier file stays as it was; no temp file is left.
    assert.equal(readFileSync(zip, 'utf8'), 'previous');
    assert.deepEqual(leftovers(outDir), ['abort.zip']);

    const pre = new AbortController();
    pre.abort();
    await rejectsWith(
      packFolderToFile(
        root,
        entriesOf(root, ['a.bin']),
        join(outDir, 'pre.zip'),
        {
          signal: pre.signal
        }
      ),
      e => e.name === 'AbortError'
    );
    assert.deepEqual(leftovers(outDir), ['abort.zip']);
  });

  test('a file that grows or shrinks while packing is reported', async () => {
    const root = makeTree({
      'first.txt': 'one',
      'grows.log': 'x'.repeat(3 * MiB)
    });
    const entries = entriesOf(root, ['first.txt', 'grows.log']);
    const outDir = tempDir();
    let appended = false;
    const err = await rejectsWith(
      packFolderToFile(root, entries, join(outDir, 'g.zip'), {
        onProgress: () => {
          if (!appended) {
            appended = true;
            appendFileSync(join(root, 'grows.log'), 'more lines\n');
          }
        }
      }),
      e => e instanceof PackError
    );
    assert.match(err.message, /"grows\.log" changed while packing/);
    assert.deepEqual(leftovers(outDir), []);

    truncateSync(join(root, 'grows.log'), 1000);
    const shrank = await rejectsWith(
      packFolderToFile(root, entries, join(outDir, 'g.zip')),
      e => e instanceof PackError
    );
    assert.match(
      shrank.message,
      /"grows\.log" changed while packing \(it has 1,000 bytes/
    );
    assert.deepEqual(leftovers(outDir), []);
  });

  test('a missing file is reported by name', async () => {
    const root = makeTree({ 'a.txt': 'a' });
    const outDir = tempDir();
    const err = await rejectsWith(
      packFolderToFile(
        root,
        [...entriesOf(root, ['a.txt']), { path: 'gone.txt', size: 3 }],
        join(outDir, 'm.zip')
      ),
      e => e instanceof PackError
    );
    assert.match(err.message, /Could not read "gone\.txt"/);
    assert.deepEqual(leftovers(outDir), []);
  });

  // Its peak memory (target 150 MB) is measured by `npm run bench`.
  test('300 MiB of sparse and real data pack into a valid zip (child process)', () => {
    const root = tempDir();
    const entries: IPackEntry[] = [];
    // 200 MiB sparse (zeros, compressible name) + 100 MiB real random data.
    for (let i = 0; i < 4; i++) {
      const p = `sparse${i}.csv`;
      writeFileSync(join(root, p), '');
      truncateSync(join(root, p), 50 * MiB);
      entries.push({ path: p, size: 50 * MiB });
    }
    for (let i = 0; i < 10; i++) {
      const p = `real${i}.bin`;
      writeFileSync(join(root, p), randomBytes(10 * MiB));
      entries.push({ path: p, size: 10 * MiB });
    }
    const zip = join(tempDir(), 'rss.zip');
    const mod = new URL('../../src/node/node-pack.js', import.meta.url).href;
    const script =
      `const { packFolderToFile } = await import(${JSON.stringify(mod)});` +
      'const r = await packFolderToFile(process.argv[1], ' +
      'JSON.parse(process.argv[2]), process.argv[3]);' +
      'console.log(JSON.stringify(r));';
    const child = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', script, root, JSON.stringify(entries), zip],
      { encoding: 'utf8' }
    );
    assert.equal(child.status, 0, child.stderr);
    const r = JSON.parse(child.stdout);
    assert.equal(r.bytes, 300 * MiB);
    assert.match(unzip(['-t', '-q', zip]), /No errors detected/);
  });
});

describe('packZip', () => {
  test('awaits write: reading never runs far ahead of writing', async () => {
    const size = 40 * MiB;
    let read = 0;
    let written = 0;
    let maxAhead = 0;
    const chunk = new Uint8Array(MiB);
    const r = await packZip(
      [
        { path: 'big.bin', size },
        { path: 'small.txt', size: 5 }
      ],
      {
        async *read(path, expected) {
          for (let done = 0; done < expected;) {
            const n = Math.min(MiB, expected - done);
            done += n;
            read += n;
            maxAhead = Math.max(maxAhead, read - written);
            yield chunk.subarray(0, n);
          }
        },
        async write(c) {
          await new Promise(resolve => setImmediate(resolve));
          written += c.length;
        }
      }
    );
    assert.equal(r.bytes, size + 5);
    assert.equal(written, r.zipBytes);
    assert.ok(maxAhead <= 3 * MiB, `read ran ${maxAhead} bytes ahead`);
  });

  test('hands out chunks the consumer may keep, and they form a valid zip', async () => {
    const files: Record<string, Uint8Array> = {
      'a.txt': new TextEncoder().encode('hello\n'.repeat(1000)),
      'b/c.bin': randomBytes(200_000),
      'd.md': new Uint8Array(0),
      // Big enough for fflate's streaming Deflate (the default deflater).
      'e.csv': new TextEncoder().encode('1,2,3,4\n'.repeat(100_000))
    };
    const kept: Uint8Array[] = [];
    await packZip(
      Object.entries(files).map(([path, d]) => ({
        path,
        size: d.length,
        mtime: Date.UTC(2020, 0, 1)
      })),
      {
        async *read(path) {
          // Small pieces, to exercise coalescing.
          const d = files[path];
          for (let i = 0; i < d.length; i += 1000) {
            yield d.subarray(i, i + 1000);
          }
        },
        write: c => {
          kept.push(c);
        }
      }
    );
    const dir = tempDir();
    writeFileSync(join(dir, 'kept.zip'), Buffer.concat(kept));
    const m = methods(join(dir, 'kept.zip'));
    assert.match(m.get('e.csv') ?? '', /^def/);
    assert.match(m.get('a.txt') ?? '', /^def/);
    assert.match(unzip(['-t', join(dir, 'kept.zip')]), /No errors detected/);
    unzip(['-q', join(dir, 'kept.zip'), '-d', join(dir, 'x')]);
    for (const [path, d] of Object.entries(files)) {
      assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'x', path))), d);
    }
  });

  test('a failing write becomes a PackError', async () => {
    await rejectsWith(
      packZip([{ path: 'a.txt', size: 1 }], {
        async *read() {
          yield new Uint8Array([65]);
        },
        write() {
          throw new Error('disk full');
        }
      }),
      e => e instanceof PackError && /disk full/.test(e.message)
    );
  });

  test('refuses bad or repeated paths before writing', async () => {
    for (const path of ['', '/abs', '../up', 'a/../b', 'a//b', './a', 'dir/']) {
      assert.match(
        zipLimitProblem([{ path, size: 0 }]) ?? '',
        /not a clean relative/,
        path
      );
    }
    assert.match(
      zipLimitProblem([
        { path: 'a', size: 0 },
        { path: 'a', size: 0 }
      ]) ?? '',
      /listed twice/
    );
    let wrote = false;
    await rejectsWith(
      packZip([{ path: '../evil', size: 0 }], {
        async *read() {
          yield new Uint8Array(0);
        },
        write: () => {
          wrote = true;
        }
      }),
      e => e instanceof PackError
    );
    assert.equal(wrote, false);
  });

  test('an abort while write is pending rejects promptly', async () => {
    const ac = new AbortController();
    const p = packZip([{ path: 'a.bin', size: MiB }], {
      async *read() {
        yield new Uint8Array(MiB);
      },
      write: () => {
        setTimeout(() => ac.abort(), 10);
        return new Promise<void>(() => undefined); // never settles
      },
      signal: ac.signal
    });
    await rejectsWith(p, e => e.name === 'AbortError');
  });
});

test('isCompressible decides by name', () => {
  for (const p of [
    'a.csv',
    'B.JSON',
    'n.ipynb',
    'x/y.py',
    'Dockerfile',
    '.gitignore',
    'i.svg'
  ]) {
    assert.ok(isCompressible(p), p);
  }
  for (const p of [
    'a.zip',
    'b.gz',
    'c.png',
    'd.jpg',
    'e.parquet',
    'f.pt',
    'g.h5',
    'h.npz',
    'noext',
    'x.csv/bin'
  ]) {
    assert.ok(!isCompressible(p), p);
  }
});

describe('names that are not valid UTF-8 (the packer the browser uses)', () => {
  test('go into the zip as their exact bytes, flag clear; others stay UTF-8', async () => {
    // Escaped bytes as the helper kernel sends them (PEP 383): U+DCxx.
    const files: [string, string][] = [
      ['bad\udcff.txt', 'x'.repeat(5000)],
      ['d\udce9j\udce0/caf\u00e9 \udcfe.bin', 'binary'],
      ['ok/été.md', '# é'],
      ['plain.txt', 'p']
    ];
    const data = new Map(files);
    const chunks: Uint8Array[] = [];
    await packZip(
      files.map(([path, text]) => ({ path, size: Buffer.byteLength(text) })),
      {
        async *read(path) {
          yield new TextEncoder().encode(data.get(path));
        },
        write: chunk => {
          chunks.push(chunk);
        }
      }
    );
    const zip = join(tempDir(), 'raw.zip');
    writeFileSync(zip, Buffer.concat(chunks));
    assert.deepEqual(zipEntries(zip), [
      {
        name: hexName([0x62, 0x61, 0x64, 0xff, 0x2e, 0x74, 0x78, 0x74]),
        utf8: false,
        content: 'x'.repeat(5000)
      },
      {
        name: hexName([
          0x64, 0xe9, 0x6a, 0xe0, 0x2f, 0x63, 0x61, 0x66, 0xc3, 0xa9, 0x20,
          0xfe, 0x2e, 0x62, 0x69, 0x6e
        ]),
        utf8: false,
        content: 'binary'
      },
      {
        name: hexName('ok/été.md'),
        utf8: true,
        content: Buffer.from('# é').toString('latin1')
      },
      { name: hexName('plain.txt'), utf8: false, content: 'p' }
    ]);
  });
});
