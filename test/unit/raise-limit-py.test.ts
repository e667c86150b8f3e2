// "Raise the size limit for this submission" in the helper kernel
// (src/kernel/helper/azure.py, submit_azureml with snapshot_max_bytes). Azure
// cannot be reached: azureml-core is the TEST DOUBLE of an unreachable
// service in test/fixtures/azure-double/, whose size check reads
// SNAPSHOT_MAX_SIZE_BYTES where azureml-core reads it (snapshots_client).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { py } from '../helpers/helper-driver.js';
import { ROOT, cleanup, makeTree, tempDir } from '../helpers/tree.js';

const DOUBLE = join(ROOT, 'test', 'fixtures', 'azure-double');
const MiB = 1024 * 1024;
const CONFIG = JSON.stringify({
  subscription_id: 's',
  resource_group: 'r',
  workspace_name: 'w'
});

const dirs: string[] = [];
after(() => dirs.forEach(cleanup));

function project(): { root: string; record: string } {
  const root = tempDir('sg-raise-');
  dirs.push(root);
  // 400 MiB in sparse files: no disk space used.
  const files: Record<string, string | number> = {
    'proj/config.json': CONFIG,
    'proj/nb.ipynb': '{}'
  };
  for (let i = 0; i < 4; i++) {
    files[`proj/data/part${i}.bin`] = 100 * MiB;
  }
  makeTree(root, files);
  return { root, record: join(root, 'calls.jsonl') };
}

const SUBMIT = String.raw`
args = dict(command='python train.py', compute='cpu-cluster', environment='', experiment='exp')
def limits():
    import azureml._restclient.constants as c, azureml._restclient.snapshots_client as s
    return [s.SNAPSHOT_MAX_SIZE_BYTES, c.SNAPSHOT_MAX_SIZE_BYTES]
out['plain'] = call('submit_azureml', sdk='v1', folder='proj', **args)
out['raised'] = call('submit_azureml', sdk='v1', folder='proj', snapshot_max_bytes=600 * 1024 * 1024, **args)
out['after'] = limits()
out['again'] = call('submit_azureml', sdk='v1', folder='proj', **args)
out['too_low'] = call('submit_azureml', sdk='v1', folder='proj', snapshot_max_bytes=350 * 1024 * 1024, **args)
out['after_failure'] = limits()
out['v2'] = call('submit_azureml', sdk='v2', folder='proj', snapshot_max_bytes=600 * 1024 * 1024, **args)
out['bad'] = call('submit_azureml', sdk='v1', folder='proj', snapshot_max_bytes='600', **args)
`;

test('the limit is raised in both modules for that submission only, then restored', () => {
  const { root, record } = project();
  const out = py(root, SUBMIT, {
    env: { PYTHONPATH: DOUBLE, AZURE_DOUBLE_RECORD: record }
  });
  // Without the raise, the double refuses with azureml-core's message.
  assert.equal(out.plain.error.type, 'SnapshotTooBig');
  assert.match(out.plain.error.message, /exceeds the limit of 300\.0 MB/);
  assert.equal(out.raised.ok, true, JSON.stringify(out.raised));
  const default300 = 300 * MiB;
  assert.deepEqual(out.after, [default300, default300]);
  // The next submission has the SDK's own limit again.
  assert.equal(out.again.error.type, 'SnapshotTooBig');
  // A limit still too low fails as the SDK does, with its figure, and is
  // restored as well.
  assert.equal(out.too_low.error.type, 'SnapshotTooBig');
  assert.match(out.too_low.error.message, /exceeds the limit of 350\.0 MB/);
  assert.deepEqual(out.after_failure, [default300, default300]);
  assert.equal(out.v2.error.type, 'BadRequest');
  assert.equal(out.bad.error.type, 'BadRequest');

  const calls = readFileSync(record, 'utf8')
    .trim()
    .split('\n')
    .map(l => JSON.parse(l))
    .filter(c => c.call === 'Experiment.submit');
  const ok = calls.filter(c => c.ok);
  assert.equal(ok.length, 1);
  assert.deepEqual(ok[0].snapshot_max_size_bytes, {
    snapshots_client: 600 * MiB,
    constants: 600 * MiB
  });
  assert.equal(ok[0].snapshot_size, 400 * MiB + 2 + CONFIG.length);
});
