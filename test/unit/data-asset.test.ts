/**
 * "Move data to a datastore" (issue 8): Azure ML's asset-name rule, the
 * version chosen, how a job gets the asset (v1 and v2), and which data the
 * report offers. The rules are Azure ML's, written out here by hand from
 * azure-ai-ml 1.4.0's source (see src/submit/data-asset.ts), not taken from
 * the code under test.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dataCandidates } from '../../src/snapshot/advisor.js';
import { scanFolder } from '../../src/snapshot/scan.js';
import {
  assetNameProblem,
  commandWithInput,
  formatInputs,
  inputNameFor,
  inputWiringCode,
  nextVersion,
  parameterNameFor,
  parseInputs,
  suggestAssetName
} from '../../src/snapshot/data-asset.js';
import { withDataInputs } from '../../src/submit/model.js';
import type { ISubmitTarget } from '../../src/tokens.js';
import { MemoryFileSystem } from '../helpers/memory-fs.js';

const MiB = 1024 * 1024;

describe('data asset names (Azure ML: 1-255 of [A-Za-z0-9_-], first a letter or digit)', () => {
  test('accepted', () => {
    for (const name of [
      'a',
      '0',
      'train-data',
      'Train_Data_2',
      'x'.repeat(255)
    ]) {
      assert.equal(assetNameProblem(name), null, name);
    }
  });
  test('refused, each with its reason', () => {
    const cases: [string, string][] = [
      ['', 'empty'],
      ['train data', 'spaces'],
      ['x'.repeat(300), 'too-long'],
      ['x'.repeat(256), 'too-long'],
      ['-data', 'first-character'],
      ['_data', 'first-character'],
      ['data.v2', 'characters'],
      ['données', 'characters'],
      ['a/b', 'characters']
    ];
    for (const [name, why] of cases) {
      assert.equal(assetNameProblem(name), why, JSON.stringify(name));
    }
  });
  test('a suggestion from a folder or file name is always accepted', () => {
    for (const [path, want] of [
      ['data', 'data'],
      ['raw/my data.csv', 'my-data'],
      ['_cache', 'cache'],
      ['.hidden', 'data'],
      ['données', 'donn-es']
    ]) {
      const s = suggestAssetName(path);
      assert.equal(s, want, path);
      assert.equal(assetNameProblem(s), null, s);
    }
  });
});

describe('the next free version', () => {
  test('one more than the highest whole number; 1 for a new asset', () => {
    assert.equal(nextVersion([]), '1');
    assert.equal(nextVersion(['1', '2', '3']), '4');
    assert.equal(nextVersion(['2', '10', '9']), '11');
    assert.equal(nextVersion(['v1', 'latest', '3']), '4');
    assert.equal(nextVersion(['2024-01-01']), '1');
  });
});

describe('how the job gets the asset', () => {
  const input = {
    input: 'train_data',
    asset: 'train-data',
    version: '3',
    type: 'uri_folder' as const
  };
  test('input names follow azure-ai-ml’s rule [a-zA-Z_]+[a-zA-Z0-9_]*', () => {
    assert.equal(inputNameFor('train-data'), 'train_data');
    assert.equal(inputNameFor('2024-set'), '_2024_set');
    assert.ok(/^[a-zA-Z_]+[a-zA-Z0-9_]*$/.test(inputNameFor('9-a-b')));
  });
  test('v2: Input(type, path=azureml:name:version); v1: as_named_input(name).as_mount()', () => {
    assert.equal(
      inputWiringCode('v2', input),
      'inputs={"train_data": Input(type="uri_folder", path="azureml:train-data:3")}'
    );
    assert.equal(
      inputWiringCode('v1', input),
      'Dataset.get_by_name(ws, name="train-data", version="3").as_named_input("train_data").as_mount()'
    );
  });
  test('papermill receives the mount path with -p; other commands get it appended, once', () => {
    const ref = '${{inputs.train_data}}';
    assert.equal(
      commandWithInput(
        'papermill nb.ipynb outputs/nb.ipynb',
        'train_data',
        'DATA_DIR'
      ),
      `papermill nb.ipynb outputs/nb.ipynb -p DATA_DIR ${ref}`
    );
    assert.equal(
      commandWithInput('python train.py --data', 'train_data', 'DATA_DIR'),
      `python train.py --data ${ref}`
    );
    const once = commandWithInput('papermill a b', 'train_data', 'DATA_DIR');
    assert.equal(commandWithInput(once, 'train_data', 'DATA_DIR'), once);
    assert.equal(parameterNameFor('data', 'dir'), 'DATA_DIR');
    assert.equal(parameterNameFor('raw/train.csv', 'file'), 'TRAIN_CSV_PATH');
  });
  test('the Submit field: written and read back; a bad line is named', () => {
    const two = [
      input,
      {
        ...input,
        input: 'labels',
        asset: 'labels',
        version: '1',
        type: 'uri_file' as const
      }
    ];
    const text = formatInputs(two);
    assert.equal(
      text,
      'train_data=azureml:train-data:3; labels=azureml:labels:1 (file)'
    );
    assert.deepEqual(parseInputs(text), two);
    assert.deepEqual(parseInputs(''), []);
    assert.throws(
      () => parseInputs('my data=azureml:x:1'),
      /my data=azureml:x:1/
    );
    assert.throws(() => parseInputs('x=azureml:bad name:1'));
  });
  test('the Submit values: the Azure ML target gets the input and the command; others are unchanged', () => {
    const target: ISubmitTarget = {
      id: 'azureml',
      label: 'Azure ML job',
      fields: () => [
        {
          id: 'command',
          label: 'Command',
          default: 'papermill nb.ipynb out.ipynb'
        },
        { id: 'inputs', label: 'Data inputs' }
      ],
      submit: async () => undefined
    };
    const where = { path: 'p/nb.ipynb', folder: 'p' };
    const moved = [{ input, parameter: 'DATA_DIR' }];
    const fresh = withDataInputs(
      { archive: { path: 'x.zip' } },
      moved,
      [target],
      where
    );
    assert.deepEqual(fresh, {
      archive: { path: 'x.zip' },
      azureml: {
        command:
          'papermill nb.ipynb out.ipynb -p DATA_DIR ${{inputs.train_data}}',
        data: 'assets',
        inputs: 'train_data=azureml:train-data:3'
      }
    });
    // Moving again (a new version) replaces the input of that name.
    const again = withDataInputs(
      fresh,
      [{ input: { ...input, version: '4' }, parameter: 'DATA_DIR' }],
      [target],
      where
    );
    assert.equal(again.azureml.inputs, 'train_data=azureml:train-data:4');
    assert.equal(again.azureml.command, fresh.azureml.command);
  });
});

describe('which data the report offers', () => {
  test('the big data folders and files; never the notebook’s folder, code or junk', async () => {
    const files: Record<string, number> = {
      'nb.ipynb': 1000,
      'train.py': 100,
      'data/a.bin': 300 * MiB,
      'data/b.bin': 100 * MiB,
      'big.parquet': 50 * MiB,
      '.git/objects/x': 10 * MiB,
      'work/nb2.ipynb': 100,
      'work/cache.bin': 20 * MiB
    };
    const scan = await scanFolder(new MemoryFileSystem(files));
    const c = dataCandidates(scan, { notebook: 'nb.ipynb' });
    assert.deepEqual(
      c.map(x => [x.path, x.kind, x.files, x.bytes]),
      [
        ['data', 'dir', 2, 400 * MiB],
        ['big.parquet', 'file', 1, 50 * MiB],
        ['work/cache.bin', 'file', 1, 20 * MiB]
      ]
    );
    const inData = await scanFolder(
      new MemoryFileSystem({ 'data/nb.ipynb': 10, 'data/x.bin': 400 * MiB })
    );
    assert.deepEqual(
      dataCandidates(inData, { notebook: 'data/nb.ipynb' }).map(x => x.path),
      ['data/x.bin']
    );
  });
});
