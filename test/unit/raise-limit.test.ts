/**
 * "Raise the size limit for this submission" (issue 8): when it is offered,
 * the limit chosen, the report judged again, the upload time. Expected
 * values are worked out by hand from spec section 4 (a folder fails when
 * its size is strictly above the limit; `near` from 80 %).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatDuration } from '../../src/snapshot/format.js';
import { resolveLimits } from '../../src/snapshot/limits.js';
import {
  canRaiseSizeLimit,
  raisedSizeLimit,
  uploadSeconds,
  withSizeLimit
} from '../../src/snapshot/raise-limit.js';
import { reportOf, rescope, scanFolder } from '../../src/snapshot/scan.js';
import { MemoryFileSystem } from '../helpers/memory-fs.js';

const MiB = 1024 * 1024;

async function reportFor(
  files: Record<string, number | string>,
  sdk: 'v1' | 'v2' = 'v1'
) {
  const scan = rescope(
    await scanFolder(new MemoryFileSystem(files)),
    sdk,
    'test'
  );
  return reportOf(scan, resolveLimits(`azureml-${sdk}`));
}

function manyFiles(n: number, bytesEach: number): Record<string, number> {
  const files: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    files[`data/f${i}.bin`] = bytesEach;
  }
  return files;
}

describe('raise the size limit: when it is offered', () => {
  test('1,500 files and 400 MB under azureml-core: offered', async () => {
    const r = await reportFor(manyFiles(1500, Math.ceil((400 * MiB) / 1500)));
    assert.equal(r.verdict, 'over');
    assert.equal(canRaiseSizeLimit(r), true);
  });

  test('over the file limit too: not offered (the limit alone does not help)', async () => {
    const r = await reportFor(manyFiles(2001, Math.ceil((400 * MiB) / 2001)));
    assert.equal(canRaiseSizeLimit(r), false);
  });

  test('exactly 300 MiB passes already: not offered', async () => {
    const r = await reportFor({ 'a.bin': 314_572_800 });
    assert.notEqual(r.verdict, 'over');
    assert.equal(canRaiseSizeLimit(r), false);
    const one = await reportFor({ 'a.bin': 314_572_801 });
    assert.equal(canRaiseSizeLimit(one), true);
  });

  test('azure-ai-ml has no size limit to raise', async () => {
    const r = await reportFor({ 'a.bin': 400 * MiB }, 'v2');
    assert.equal(canRaiseSizeLimit(r), false);
  });
});

describe('raise the size limit: the limit and the report', () => {
  test('the smallest multiple of 100 MiB that leaves the size below 80 %', () => {
    // 400 MiB: 500 MiB would put it exactly at 80 % (near); 600 MiB does not.
    assert.equal(raisedSizeLimit(400 * MiB, 0.8), 600 * MiB);
    assert.equal(raisedSizeLimit(400 * MiB - 1, 0.8), 500 * MiB);
    assert.equal(raisedSizeLimit(320 * MiB, 0.8), 400 * MiB + 100 * MiB);
    assert.equal(raisedSizeLimit(350 * MiB, 0.5), 800 * MiB);
  });

  test('judged again under the raised limit: within it; the file limit still counts', async () => {
    const r = await reportFor(manyFiles(1500, Math.ceil((400 * MiB) / 1500)));
    const raised = withSizeLimit(r, 600 * MiB);
    assert.equal(raised.limits.maxBytes, 600 * MiB);
    assert.equal(raised.limits.maxFiles, 2000);
    // 1,500 of 2,000 files is 75 %: below the near mark.
    assert.equal(raised.verdict, 'ok');
    const tight = withSizeLimit(r, 400 * MiB);
    assert.equal(tight.verdict, 'over');
  });

  test('upload time at a bandwidth in Mbit/s', () => {
    // 400 MiB = 3,355,443,200 bits; at 20 Mbit/s that is 167.77 s.
    const s = uploadSeconds(400 * MiB, 20)!;
    assert.ok(Math.abs(s - 167.77216) < 1e-6, String(s));
    assert.equal(formatDuration(s), '2 min 48 s');
    assert.equal(formatDuration(42), '42 s');
    assert.equal(formatDuration(3600), '1 h');
    assert.equal(formatDuration(4000), '1 h 7 min');
    assert.equal(uploadSeconds(1, 0), null);
  });
});
