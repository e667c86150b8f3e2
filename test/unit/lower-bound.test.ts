// The early "over": while the helper's listing streams in, the engine says
// what the SDK surely counts so far. Each such lower bound must never
// exceed the final report, whose figures the independent Python reference
// (test/conformance/sdk_reference.py) gives. Run for real: the helper's
// Python walks the folder (as a user without root's rights, so unreadable
// files are unreadable), its chunks go through the worker's code.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runSdkReference } from '../conformance/sdk-reference.js';
import { py } from '../helpers/helper-driver.js';
import { sharedTree } from '../helpers/other-user.js';
import { cleanup } from '../helpers/tree.js';
import { ListingStream, scanStream } from '../../src/kernel/listing-measure.js';
import {
  resolveLimits,
  type ISurelyCounted
} from '../../src/snapshot/limits.js';
import { reportOf, rescope } from '../../src/snapshot/scan.js';
import type { Sdk } from '../../src/snapshot/types.js';

const made: string[] = [];
after(() => made.forEach(cleanup));

/** `n` files `dir/f<i><ext>` of `i % 7` bytes. */
function many(dir: string, n: number, ext = '.txt'): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    files[`${dir}/f${i}${ext}`] = 'x'.repeat(i % 7);
  }
  return files;
}

/** The helper's streamed walk of `root`: its chunks, then its result. */
function streamedWalk(root: string): Uint8Array[] {
  const out = py(
    root,
    String.raw`
# Small chunks, so that a small tree streams in many.
helper.STREAM_ENTRIES = 40
chunks = []
res = h.op_walk('', stream=True, progress=lambda n, b=None: chunks.append(bytes(b[0]).hex()) if b else None)
out['chunks'] = chunks + [helper._packed(res).hex()]
`,
    { asOtherUser: true }
  );
  return (out.chunks as string[]).map(h =>
    Uint8Array.from(Buffer.from(h, 'hex'))
  );
}

/** Every lower bound of the scan of `chunks` as `sdk`, and its report. */
async function bounds(root: string, chunks: Uint8Array[], sdk: Sdk) {
  const counted: ISurelyCounted[] = [];
  const stream = new ListingStream();
  const scanning = scanStream(
    stream,
    {
      list: async path => {
        throw new Error(`not in the listing: ${path}`);
      },
      read: async path => readFileSync(join(root, path))
    },
    { lowerBound: { sdk, onCounted: c => counted.push(c) } }
  );
  chunks.forEach((c, i) => stream.push(c, i === chunks.length - 1));
  const scan = await scanning;
  const report = reportOf(
    rescope(scan, sdk, ''),
    resolveLimits(sdk === 'v1' ? 'azureml-v1' : 'azureml-v2')
  );
  return { counted, report };
}

const CASES: Array<{
  name: string;
  files: Record<string, string>;
  setup?(root: string): void;
  /** The folder holds files only root may read (no v2 reference then). */
  locked?: boolean;
  /** The SDKs walk more than the engine's budget: no reference. */
  unbounded?: boolean;
}> = [
  {
    name: 'negations, excluded folders, a link to a folder',
    files: {
      '.amlignore': [
        'data/',
        '!data/keep.csv',
        '*.log',
        '!important.log',
        'build',
        '!build/keep.txt',
        'src/*',
        '!src/lib/',
        '**/cache',
        '!**/cache/keep'
      ].join('\n'),
      'important.log': 'i',
      'x.log': 'xx',
      'data/keep.csv': 'k',
      'build/keep.txt': 'b',
      'src/lib/y.py': 'y',
      'src/x.py': 'x',
      'a/cache/keep': 'k',
      ...many('data', 1000),
      ...many('src/lib', 500, '.log'),
      ...many('a/cache', 400),
      ...many('pkg', 800, '.py'),
      ...many('pkg/deep', 600)
    },
    setup: root => symlinkSync('pkg', join(root, 'ln'))
  },
  {
    // 2^13 link paths to l0: past the repeat budget the helper sends
    // later paths as aliases of the first, in the chunk of their parent.
    name: 'link diamonds past the repeat budget (aliases)',
    files: {
      '.amlignore': 'top/f1*\n',
      'l0/f.txt': 'x',
      ...many('top', 1500)
    },
    setup: root => {
      for (let k = 1; k <= 13; k++) {
        mkdirSync(join(root, `l${k}`));
        symlinkSync(`../l${k - 1}`, join(root, `l${k}`, 'a'));
        symlinkSync(`../l${k - 1}`, join(root, `l${k}`, 'b'));
      }
    },
    unbounded: true
  },
  {
    name: '`*`, `!*/`, `!*.py` in a .gitignore',
    files: {
      '.gitignore': '*\n!*/\n!*.py\n',
      'top.py': 't',
      ...many('m', 1000, '.py'),
      ...many('m', 500, '.txt'),
      ...many('n/o', 1000, '.py')
    }
  },
  {
    name: 'no ignore file, unreadable files',
    files: {
      ...many('a', 1200),
      ...many('b', 1000)
    },
    setup: root => {
      for (let i = 0; i < 1200; i += 3) {
        chmodSync(join(root, `a/f${i}.txt`), 0o000);
      }
    },
    locked: true
  },
  {
    name: 'a byte-order mark, unreadable files, an unreadable excluded folder',
    files: {
      // The mark makes v1's first pattern match nothing.
      '.amlignore': '\ufeff*.bak\ndata/\n*.tmp\n',
      'x.bak': 'bak',
      ...many('data', 1000),
      ...many('data/shut', 50),
      ...many('w', 800, '.tmp'),
      ...many('w', 1200)
    },
    setup: root => {
      for (let i = 0; i < 1200; i += 4) {
        chmodSync(join(root, `w/f${i}.txt`), 0o000);
      }
      chmodSync(join(root, 'data/shut'), 0o000);
    },
    locked: true
  }
];

describe('lower bounds while the listing streams in', () => {
  for (const c of CASES) {
    test(`${c.name}: never above the final report${c.unbounded ? '' : ', which matches the SDK reference'}`, async () => {
      const root = sharedTree(c.files, 'sg-lower-');
      made.push(root);
      c.setup?.(root);
      const chunks = streamedWalk(root);
      assert.ok(chunks.length >= 3, `${chunks.length} chunks`);
      for (const sdk of ['v1', 'v2'] as const) {
        const { counted, report } = await bounds(root, chunks, sdk);
        assert.ok(counted.length >= 3, `${sdk}: ${counted.length} bounds`);
        counted.forEach((b, i) => {
          const at = `${sdk} bound #${i} ${JSON.stringify(b)}`;
          assert.ok(b.files <= report.files, `${at} > ${report.files} files`);
          assert.ok(
            b.bytes <= report.totalBytes,
            `${at} > ${report.totalBytes} bytes`
          );
          if (i > 0) {
            assert.ok(b.files >= counted[i - 1].files, `${at} went down`);
            assert.ok(b.bytes >= counted[i - 1].bytes, `${at} went down`);
          }
        });
        // Once every file is seen, the bound is the report's figures.
        assert.deepEqual(counted.at(-1), {
          files: report.files,
          bytes: report.totalBytes
        });
        // Bounds said something before the end (each comes after 1000
        // more files).
        if (report.files > 1000) {
          assert.ok(
            counted.some(b => b.files > 0 && b.files < report.files),
            `${sdk}: nothing early`
          );
        }
        if ((sdk === 'v2' && c.locked) || c.unbounded) {
          continue;
        }
        const [ref] = runSdkReference([{ root, sdk }], {
          asOtherUser: c.locked === true
        });
        if (ref.failure !== null) {
          // The SDK stops there: the report says so (an over of its own).
          assert.ok(
            report.failures.some(f => f.path === ref.failure!.path),
            `${sdk}: ${JSON.stringify(ref.failure)}`
          );
          continue;
        }
        assert.equal(report.files, ref.files.length, `${sdk} files`);
        assert.equal(report.totalBytes, ref.totalBytes, `${sdk} bytes`);
      }
    });
  }
});
