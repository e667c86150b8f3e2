// "Move data to a datastore" in the helper kernel (src/kernel/helper/data.py,
// ops data_versions, upload_data, and submit_azureml's inputs). Azure cannot
// be reached: the SDKs are the TEST DOUBLES of an unreachable service in
// test/fixtures/azure-double/, which record datastore uploads, data assets
// and job inputs, and fail or wait the way config.json's "double" says.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { py } from '../helpers/helper-driver.js';
import { ROOT, cleanup, makeTree, tempDir } from '../helpers/tree.js';

const DOUBLE = join(ROOT, 'test', 'fixtures', 'azure-double');
const dirs: string[] = [];
after(() => dirs.forEach(cleanup));

const AMLIGNORE = '# mine\n*.tmp\n';

function project(control?: Record<string, unknown>) {
  const root = tempDir('sg-data-');
  dirs.push(root);
  const files: Record<string, string | number> = {
    'proj/config.json': JSON.stringify({
      subscription_id: 's',
      resource_group: 'r',
      workspace_name: 'w',
      ...(control ? { double: control } : {})
    }),
    'proj/nb.ipynb': '{}',
    'proj/.amlignore': AMLIGNORE,
    'proj/train.csv': 'a,b\n1,2\n'
  };
  for (let i = 0; i < 50; i++) {
    files[`proj/data/part-${String(i).padStart(2, '0')}.csv`] = `x\n${i}\n`;
  }
  makeTree(root, files);
  const record = join(root, 'calls.jsonl');
  return {
    root,
    record,
    env: { PYTHONPATH: DOUBLE, AZURE_DOUBLE_RECORD: record },
    calls(): any[] {
      try {
        return readFileSync(record, 'utf8')
          .trim()
          .split('\n')
          .map(l => JSON.parse(l));
      } catch {
        return [];
      }
    },
    amlignore: () => readFileSync(join(root, 'proj', '.amlignore'), 'utf8')
  };
}

for (const sdk of ['v1', 'v2'] as const) {
  describe(`upload_data with ${sdk === 'v1' ? 'azureml-core' : 'azure-ai-ml'} (test doubles)`, () => {
    test('a folder becomes a data asset; the next free version follows; the job mounts it', () => {
      const p = project();
      const out = py(
        p.root,
        String.raw`
seen = []
out['before'] = call('data_versions', sdk='${sdk}', folder='proj', name='train-data')
out['up'] = h.op_upload_data('${sdk}', 'proj', ['data'], 'train-data', '1', keep='nb.ipynb', progress=seen.append)
out['progress'] = seen
out['after'] = call('data_versions', sdk='${sdk}', folder='proj', name='train-data')
out['file'] = call('upload_data', sdk='${sdk}', folder='proj', paths=['train.csv'], name='train-csv', version='1')
out['submit'] = call('submit_azureml', sdk='${sdk}', folder='proj', command='papermill nb.ipynb out.ipynb -p DATA_DIR ' + '$' + '{{inputs.train_data}}',
                     compute='cpu-cluster', environment='env:1', experiment='exp',
                     inputs=[{'input': 'train_data', 'asset': 'train-data', 'version': '1', 'type': 'uri_folder'}])
`,
        { env: p.env }
      );
      assert.deepEqual(out.before.result.versions, []);
      assert.equal(out.up.name, 'train-data');
      assert.equal(out.up.version, '1');
      assert.equal(out.up.type, 'uri_folder');
      assert.equal(out.up.files, 50);
      assert.equal(out.progress.at(-1), 50);
      assert.deepEqual(out.after.result.versions, ['1']);
      assert.equal(out.file.result.type, 'uri_file');
      assert.equal(out.submit.ok, true, JSON.stringify(out.submit));

      const calls = p.calls();
      if (sdk === 'v1') {
        const uploads = calls.filter(c => c.call === 'Datastore.upload_files');
        const sent = uploads.flatMap(c => c.files);
        // The folder's own files, relative to it (its mount is data/).
        assert.equal(sent.length, 51);
        assert.ok(sent.includes('part-00.csv') && sent.includes('train.csv'));
        assert.ok(
          uploads.length > 1,
          'in batches: progress and Cancel between them'
        );
        const reg = calls.filter(c => c.call === 'Dataset.register');
        assert.deepEqual(
          reg.map(r => [r.name, r.version, r.path]),
          [
            ['train-data', 1, 'snapshot-guard/train-data/1'],
            ['train-csv', 1, 'snapshot-guard/train-csv/1/train.csv']
          ]
        );
        const job = calls.find(c => c.call === 'Experiment.submit');
        assert.deepEqual(job.command, [
          'papermill',
          'nb.ipynb',
          'out.ipynb',
          '-p',
          'DATA_DIR',
          'mount(train_data=train-data:1)'
        ]);
      } else {
        const made = calls.filter(
          c => c.call === 'data.create_or_update' && c.ok
        );
        assert.deepEqual(
          made.map(m => [m.name, m.version, m.type, m.uploaded.length]),
          [
            ['train-data', '1', 'uri_folder', 50],
            ['train-csv', '1', 'uri_file', 1]
          ]
        );
        const job = calls.find(c => c.call === 'jobs.create_or_update');
        assert.deepEqual(job.inputs, {
          train_data: { type: 'uri_folder', path: 'azureml:train-data:1' }
        });
        assert.match(job.command, /-p DATA_DIR \$\{\{inputs\.train_data\}\}$/);
      }
      assert.equal(
        p.amlignore(),
        AMLIGNORE,
        'the helper never writes .amlignore'
      );
    });

    test('an upload that fails half-way: the SDK error in words, no asset', () => {
      const p = project({ upload_fail_after: 25 });
      const out = py(
        p.root,
        `out['up'] = call('upload_data', sdk='${sdk}', folder='proj', paths=['data'], name='train-data', version='1')
out['versions'] = call('data_versions', sdk='${sdk}', folder='proj', name='train-data')`,
        { env: p.env }
      );
      assert.equal(out.up.error.type, 'Offline');
      assert.match(
        out.up.error.message,
        /^Azure could not be reached, so the data was not uploaded .*Temporary failure in name resolution.*Nothing was excluded/
      );
      assert.deepEqual(out.versions.result.versions, []);
      const calls = p.calls();
      assert.ok(
        !calls.some(
          c =>
            (c.call === 'Dataset.register' ||
              c.call === 'data.create_or_update') &&
            c.ok
        )
      );
      const partial = calls
        .filter(
          c =>
            c.call === 'Datastore.upload_files' ||
            c.call === 'data.create_or_update'
        )
        .flatMap(c => c.files ?? c.uploaded);
      assert.equal(partial.length, 25, 'failed half-way, after 25 of 50 files');
      assert.equal(p.amlignore(), AMLIGNORE);
    });

    test('an upload cancelled while it runs: Cancelled, no asset made by the helper', () => {
      const release = join(tempDir('sg-release-'), 'release');
      dirs.push(join(release, '..'));
      const p2 = project({ upload_hold_after: 20, upload_release: release });
      const out = py(
        p2.root,
        String.raw`
import threading
ev = threading.Event()
res = {}
def run():
    try:
        res['r'] = h.op_upload_data('${sdk}', 'proj', ['data'], 'train-data', '1', cancel=ev)
    except HelperError as e:
        res['e'] = e.payload()
t = threading.Thread(target=run)
t.start()
rec = os.environ['AZURE_DOUBLE_RECORD']
# Wait for the condition (the double holding), not for a time.
while not (os.path.exists(rec) and 'upload.held' in open(rec).read()):
    t.join(0.02)
ev.set()
if '${sdk}' == 'v2':
    t.join()
open(${JSON.stringify(release)}, 'w').close()
t.join()
out['res'] = res
`,
        { env: p2.env, timeout: 60_000 }
      );
      assert.equal(out.res.e?.type, 'Cancelled', JSON.stringify(out.res));
      assert.match(
        out.res.e.message,
        /Nothing was excluded|nothing was excluded/
      );
      const calls = p2.calls();
      if (sdk === 'v1') {
        assert.ok(!calls.some(c => c.call === 'Dataset.register'));
        const sent = calls
          .filter(c => c.call === 'Datastore.upload_files')
          .flatMap(c => c.files);
        assert.ok(sent.length < 50, `stopped early: ${sent.length} files`);
      }
      assert.equal(p2.amlignore(), AMLIGNORE);
    });

    test('bad input: names, the notebook’s own folder, offline', () => {
      const p = project({ upload: 'offline' });
      const out = py(
        p.root,
        String.raw`
args = dict(sdk='${sdk}', folder='proj', version='1')
out['spaces'] = call('upload_data', paths=['data'], name='train data', **args)
out['long'] = call('upload_data', paths=['data'], name='a' * 300, **args)
out['self'] = call('upload_data', paths=[''], name='d', **args)
out['dot'] = call('upload_data', paths=['.'], name='d', **args)
out['holds_nb'] = call('upload_data', paths=['data'], name='d', keep='data/nb.ipynb', **args)
out['outside'] = call('upload_data', paths=['../x'], name='d', **args)
out['offline'] = call('upload_data', paths=['data'], name='d', **args)
out['two'] = call('upload_data', paths=['data', 'train.csv'], name='d', **args)
`,
        { env: p.env }
      );
      assert.equal(out.spaces.error.type, 'BadRequest');
      assert.match(out.spaces.error.message, /letters, digits, - and _/);
      assert.equal(out.long.error.type, 'BadRequest');
      assert.equal(out.self.error.type, 'BadPath');
      assert.match(out.self.error.message, /notebook's own folder/);
      assert.equal(out.dot.error.type, 'BadPath');
      assert.equal(out.holds_nb.error.type, 'BadPath');
      assert.match(out.holds_nb.error.message, /holds the notebook/);
      assert.equal(out.outside.error.type, 'BadPath');
      assert.equal(out.offline.error.type, 'Offline');
      assert.match(out.offline.error.message, /Azure could not be reached/);
      // azure-ai-ml's Data(path=…) takes one path: several picks are refused
      // (staging links would be written outside the folder); azureml-core
      // uploads them all (and meets the offline double).
      assert.equal(out.two.error.type, sdk === 'v2' ? 'BadRequest' : 'Offline');
      if (sdk === 'v2') {
        assert.match(out.two.error.message, /one folder or one file/);
      }
      assert.equal(p.amlignore(), AMLIGNORE);
    });
  });
}
