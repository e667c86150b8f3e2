// The submit module's pure parts: default commands and names, the Submit
// dialog's values, and what changed between two checks.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { account } from '../../src/snapshot/accounting.js';
import { resolveLimits } from '../../src/snapshot/limits.js';
import { RuleSet } from '../../src/snapshot/rules.js';
import type { IFileRecord } from '../../src/snapshot/types.js';
import {
  archiveName,
  defaultServerPath,
  snapshotChange,
  submittedValues,
  visibleFields
} from '../../src/submit/model.js';
import {
  commandFor,
  experimentNameFor,
  normalizePath,
  shellQuote
} from '../../src/submit/shell.js';
import { isInside } from '../../src/snapshot/paths.js';
import type { ISubmitTarget } from '../../src/tokens.js';

function report(files: IFileRecord[]) {
  return account({
    files,
    prunedFolders: [],
    warnings: [],
    rules: RuleSet.parse('', null),
    limits: resolveLimits('azureml-v1')
  });
}

describe('default command and names', () => {
  test('notebook names are quoted for the shell only when needed', () => {
    assert.equal(shellQuote('nb.ipynb'), 'nb.ipynb');
    assert.equal(shellQuote('my nb.ipynb'), "'my nb.ipynb'");
    assert.equal(shellQuote("it's.ipynb"), "'it'" + '"\'"' + "'s.ipynb'");
    assert.equal(shellQuote('$(rm -rf).ipynb'), "'$(rm -rf).ipynb'");
    assert.equal(shellQuote('données.ipynb'), "'données.ipynb'");
    assert.equal(shellQuote(''), "''");
    assert.equal(
      commandFor('papermill {notebook} outputs/{notebook}', 'a b.ipynb'),
      "papermill 'a b.ipynb' outputs/'a b.ipynb'"
    );
  });

  test('experiment names keep to letters, digits, - and _', () => {
    assert.equal(
      experimentNameFor('sub/Train Model v2.ipynb'),
      'Train-Model-v2'
    );
    assert.equal(experimentNameFor('résumé.ipynb'), 'resume');
    assert.equal(experimentNameFor('日本.ipynb'), 'notebook-job');
    assert.equal(experimentNameFor('__x__.ipynb'), 'x');
  });

  test('archive names and the default server path lie outside the folder', () => {
    assert.equal(archiveName('a/proj'), 'proj-snapshot.zip');
    assert.equal(archiveName(''), 'snapshot-snapshot.zip');
    assert.equal(defaultServerPath('a/proj'), 'a/proj-snapshot.zip');
    assert.equal(defaultServerPath('proj'), 'proj-snapshot.zip');
    assert.equal(defaultServerPath(''), '');
    // What the archive target refuses: a zip inside the snapshot folder.
    const inside = (path: string, folder: string) =>
      isInside(normalizePath(path), folder);
    assert.equal(inside('proj/x.zip', 'proj'), true);
    assert.equal(inside('./proj//x.zip', 'proj'), true);
    assert.equal(inside('proj', 'proj'), true);
    assert.equal(inside('project.zip', 'proj'), false);
    assert.equal(inside('x.zip', ''), true);
  });
});

describe('Submit dialog values', () => {
  const target: ISubmitTarget = {
    id: 't',
    label: 'T',
    fields: () => [
      { id: 'mode', label: 'Mode', options: [{ value: 'a', label: 'A' }] },
      { id: 'path', label: 'Path', when: { field: 'mode', equals: 'b' } },
      { id: 'name', label: 'Name' }
    ],
    submit: async () => undefined
  };
  const where = { path: 'f/nb.ipynb', folder: 'f' };

  test('hidden fields are left out; values are trimmed', () => {
    const fields = target.fields!(where);
    assert.deepEqual(
      visibleFields(fields, { mode: 'a' }).map(f => f.id),
      ['mode', 'name']
    );
    assert.deepEqual(
      submittedValues(target, where, { mode: 'a', path: 'p', name: ' n ' }),
      { mode: 'a', name: 'n' }
    );
    assert.deepEqual(
      submittedValues(target, where, { mode: 'b', path: ' p' }),
      { mode: 'b', path: 'p', name: '' }
    );
  });
});

describe('what changed between two checks', () => {
  const a = { path: 'a.py', size: 10 };
  const b = { path: 'b.csv', size: 2000 };

  test('same list: no change', () => {
    assert.equal(snapshotChange(report([a, b]), report([b, a])), null);
  });

  test('new and resized files, biggest first; removed ones counted', () => {
    const big = { path: 'big.bin', size: 400 * 1024 * 1024 };
    const change = snapshotChange(
      report([a, b]),
      report([{ ...a, size: 11 }, big])
    );
    assert.deepEqual(
      change?.grown.map(f => f.path),
      ['big.bin', 'a.py']
    );
    assert.equal(change?.removed, 1);
  });
});
