import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deflateSync } from 'node:zlib';
import { measureBlob } from '../../src/kernel/listing-measure.js';
import { resolveLimits } from '../../src/snapshot/limits.js';

const MiB = 1024 * 1024;

/** A walk listing as helper.py sends it: JSON, zlib-compressed (by Node). */
function blobOf(listing: object): Uint8Array {
  return new Uint8Array(deflateSync(JSON.stringify(listing)));
}

const file = (name: string, size: number) => ({ name, kind: 'file', size });
const dir = (name: string) => ({ name, kind: 'dir', size: 0 });

describe("the meter's listing measure (worker side)", () => {
  test('totals of a listing, ignore file applied, known by construction', async () => {
    const amlignore = 'cache/\n*.tmp\n';
    const listing = {
      root: 'proj',
      rootId: '1:1',
      files: 6,
      dirs: {
        '': [
          file('.amlignore', amlignore.length),
          file('train.py', 120),
          file('notes.tmp', 999),
          dir('cache'),
          dir('data')
        ],
        cache: [file('big.bin', 400 * MiB)],
        data: [file('a.csv', 2 * MiB), file('b.tmp', 5)]
      },
      errors: {}
    };
    const reads: string[] = [];
    const summary = await measureBlob(
      blobOf(listing),
      resolveLimits('azureml-v1'),
      {
        list: async path => {
          throw new Error(`not in the listing: ${path}`);
        },
        read: async path => {
          reads.push(path);
          return new TextEncoder().encode(amlignore);
        }
      }
    );
    assert.deepEqual(reads, ['.amlignore']);
    // .amlignore, train.py, data/a.csv
    assert.equal(summary.files, 3);
    assert.equal(summary.bytes, amlignore.length + 120 + 2 * MiB);
    assert.equal(summary.verdict, 'ok');
    assert.equal(summary.ignoreFile, '.amlignore');
  });

  test('pauses before reading each folder, when given a pause', async () => {
    const listing = {
      root: '',
      rootId: '1:1',
      files: 2,
      dirs: {
        '': [file('a.py', 1), dir('b'), dir('c')],
        b: [file('x.py', 1)],
        c: []
      },
      errors: {}
    };
    let pauses = 0;
    const summary = await measureBlob(
      blobOf(listing),
      resolveLimits('azureml-v1'),
      {
        list: async path => {
          throw new Error(`not in the listing: ${path}`);
        },
        read: async path => {
          throw new Error(`no ignore file here: ${path}`);
        }
      },
      async () => {
        pauses++;
      }
    );
    assert.equal(summary.files, 2);
    // '', b and c
    assert.equal(pauses, 3);
  });

  test('a folder the walk did not enter is asked for; over the limit', async () => {
    const listing = {
      root: '',
      rootId: '1:1',
      files: 1,
      dirs: { '': [file('a.bin', 200 * MiB), dir('more')] },
      errors: {}
    };
    const asked: string[] = [];
    const summary = await measureBlob(
      blobOf(listing),
      resolveLimits('azureml-v1'),
      {
        list: async path => {
          asked.push(path);
          return [file('b.bin', 101 * MiB) as never];
        },
        read: async () => new Uint8Array(0)
      }
    );
    assert.deepEqual(asked, ['more']);
    assert.equal(summary.files, 2);
    assert.equal(summary.bytes, 301 * MiB);
    assert.equal(summary.verdict, 'over');
  });

  test('a folder listed under its first path (aliases) is answered from there', async () => {
    // x -> a and a/y -> b by link: the walk listed a and b once, and
    // named the later paths by the first ones.
    const listing = {
      root: '',
      rootId: '1:1',
      files: 2,
      dirs: {
        '': [dir('a'), dir('b'), { ...dir('x'), link: {} }],
        a: [file('f.bin', 10), { ...dir('y'), link: {} }],
        b: [file('g.bin', 100)]
      },
      errors: {},
      aliases: { x: 'a', 'a/y': 'b' }
    };
    const summary = await measureBlob(
      blobOf(listing),
      resolveLimits('azureml-v2'),
      {
        list: async path =>
          assert.fail(`not answered from the listing: ${path}`),
        read: async () => new Uint8Array(0)
      }
    );
    // By hand: a/f.bin, a/y/g.bin, b/g.bin, x/f.bin, x/y/g.bin.
    assert.equal(summary.files, 5);
    assert.equal(summary.bytes, 10 + 100 + 100 + 10 + 100);
  });
});
