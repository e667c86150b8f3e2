/**
 * The limits each SDK applies (snapshot-rules.md sections 1 and 4) and the
 * "near" mark (schema/plugin.json's nearFraction default), read from those
 * documents' numbers, not from limits.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  isProfileName,
  isProfileSetting,
  judge,
  overSoFar,
  profileOfSdk,
  resolveLimits,
  sdkOfProfile
} from '../../src/snapshot/limits.js';

const MAX_BYTES = 314_572_800;
const MAX_FILES = 2000;
const WARN_BYTES = 100_000_000;
const NEAR = (
  JSON.parse(
    readFileSync(
      new URL('../../../schema/plugin.json', import.meta.url),
      'utf8'
    )
  ) as { properties: { nearFraction: { default: number } } }
).properties.nearFraction.default;

describe('limits', () => {
  test('v1: more than 300 MiB or 2000 files fails, exactly at passes; near from the setting', () => {
    const v1 = resolveLimits('azureml-v1');
    assert.deepEqual(
      { ...v1 },
      {
        profile: 'azureml-v1',
        maxBytes: MAX_BYTES,
        maxFiles: MAX_FILES,
        warnBytes: null,
        emptyIsError: false,
        nearFraction: NEAR
      }
    );
    assert.deepEqual(judge(MAX_FILES + 1, MAX_BYTES + 1, v1), {
      verdict: 'over',
      reasons: [
        { limit: 'bytes', level: 'over' },
        { limit: 'files', level: 'over' }
      ]
    });
    assert.deepEqual(judge(MAX_FILES, MAX_BYTES, v1), {
      verdict: 'near',
      reasons: [
        { limit: 'bytes', level: 'near' },
        { limit: 'files', level: 'near' }
      ]
    });
    const nearBytes = Math.ceil(MAX_BYTES * NEAR);
    const nearFiles = Math.ceil(MAX_FILES * NEAR);
    assert.deepEqual(judge(nearFiles - 1, nearBytes - 1, v1), {
      verdict: 'ok',
      reasons: []
    });
    assert.deepEqual(judge(nearFiles, 0, v1).reasons, [
      { limit: 'files', level: 'near' }
    ]);
    assert.deepEqual(judge(0, nearBytes, v1).reasons, [
      { limit: 'bytes', level: 'near' }
    ]);
    // An empty folder is allowed by azureml-core.
    assert.deepEqual(judge(0, 0, v1), { verdict: 'ok', reasons: [] });
  });

  test('v2: no hard limit, a warning strictly above 100 MB, an empty folder fails', () => {
    const v2 = resolveLimits('azureml-v2');
    assert.deepEqual(
      { ...v2 },
      {
        profile: 'azureml-v2',
        maxBytes: null,
        maxFiles: null,
        warnBytes: WARN_BYTES,
        emptyIsError: true,
        nearFraction: NEAR
      }
    );
    assert.deepEqual(judge(10 ** 6, WARN_BYTES, v2), {
      verdict: 'ok',
      reasons: []
    });
    assert.deepEqual(judge(10 ** 6, 10 ** 12, v2), {
      verdict: 'near',
      reasons: [{ limit: 'warn-bytes', level: 'near' }]
    });
    assert.deepEqual(judge(0, 0, v2), {
      verdict: 'over',
      reasons: [{ limit: 'empty', level: 'over' }]
    });
  });

  test('overrides: null switches a limit off (AML_SNAPSHOT_NO_FILE_LIMIT)', () => {
    const l = resolveLimits('azureml-v1', {
      maxFiles: null,
      maxBytes: 1000,
      nearFraction: 0.5
    });
    assert.deepEqual(judge(10 ** 6, 499, l), { verdict: 'ok', reasons: [] });
    assert.equal(judge(1, 500, l).verdict, 'near');
    assert.equal(judge(1, 1001, l).verdict, 'over');
    assert.equal(resolveLimits().maxFiles, MAX_FILES);
    assert.equal(resolveLimits('azureml-v1', {}).maxBytes, MAX_BYTES);
  });

  test('over so far: strictly above a hard limit, files first; v2 has none', () => {
    const v1 = resolveLimits('azureml-v1');
    assert.equal(overSoFar({ files: MAX_FILES, bytes: MAX_BYTES }, v1), null);
    assert.equal(overSoFar({ files: MAX_FILES + 1, bytes: 0 }, v1), 'files');
    assert.equal(overSoFar({ files: 0, bytes: MAX_BYTES + 1 }, v1), 'bytes');
    assert.equal(
      overSoFar({ files: MAX_FILES + 1, bytes: MAX_BYTES + 1 }, v1),
      'files'
    );
    // A limit switched off is never crossed; the other still is.
    const noFiles = resolveLimits('azureml-v1', { maxFiles: null });
    assert.equal(overSoFar({ files: 10 ** 6, bytes: 1 }, noFiles), null);
    assert.equal(
      overSoFar({ files: 10 ** 6, bytes: MAX_BYTES + 1 }, noFiles),
      'bytes'
    );
    const noBytes = resolveLimits('azureml-v1', { maxBytes: null });
    assert.equal(overSoFar({ files: 1, bytes: 10 ** 12 }, noBytes), null);
    // v2 only warns: nothing is ever over before the totals.
    const v2 = resolveLimits('azureml-v2');
    assert.equal(overSoFar({ files: 10 ** 6, bytes: 10 ** 12 }, v2), null);
  });

  test('profile names and SDKs', () => {
    assert.equal(sdkOfProfile('azureml-v2'), 'v2');
    assert.equal(sdkOfProfile('azureml-v1'), 'v1');
    assert.equal(profileOfSdk('v2'), 'azureml-v2');
    assert.equal(profileOfSdk('v1'), 'azureml-v1');
    for (const name of ['azureml-v1', 'azureml-v2']) {
      assert.ok(isProfileName(name) && isProfileSetting(name));
    }
    assert.ok(isProfileSetting('auto') && !isProfileName('auto'));
    assert.ok(!isProfileName('azureml-v3') && !isProfileSetting(''));
  });
});
