import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  cleanFolderName,
  codeCells,
  companionFiles,
  findCompanions,
  importedModules,
  pathLiterals
} from '../../src/snapshot/companions.js';

describe('companions', () => {
  test('imports: plain, dotted, aliased, from-imports, comments', () => {
    const code = [
      'import os, utils as u',
      'import pkg.sub',
      'from helpers.io import load  # comment',
      '# import commented',
      'x = "import nothing"'
    ].join('\n');
    assert.deepEqual(importedModules(code).sort(), [
      'helpers',
      'os',
      'pkg',
      'utils'
    ]);
  });

  test('path literals, relative only', () => {
    assert.deepEqual(
      pathLiterals(
        "pd.read_csv(\"data/small.csv\"); open('./cfg.yaml'); x='/abs'; u='http://x/y'"
      ).sort(),
      ['cfg.yaml', 'data/small.csv']
    );
  });

  test('finds modules, packages, referenced files, environment and config', () => {
    const nb = JSON.stringify({
      cells: [
        {
          cell_type: 'code',
          source: ['import utils\n', 'from mypkg import thing\n']
        },
        { cell_type: 'markdown', source: 'import notcode' },
        {
          cell_type: 'code',
          source:
            'df = read("data/small.csv")\nbig = "data"\nm = load("model.pt")'
        }
      ]
    });
    const files = [
      { path: 'nb.ipynb', size: 5 },
      { path: 'utils.py', size: 10 },
      { path: 'notcode.py', size: 1 },
      { path: 'mypkg/__init__.py', size: 1 },
      { path: 'mypkg/__pycache__/x.pyc', size: 9 },
      { path: 'data/small.csv', size: 3 },
      { path: 'data/huge.bin', size: 50 * 1024 * 1024 },
      { path: 'model.pt', size: 20 * 1024 * 1024 },
      { path: 'requirements.txt', size: 2 },
      { path: 'config.json', size: 2 }
    ];
    const c = findCompanions('nb.ipynb', codeCells(nb), files);
    const summary = Object.fromEntries(
      c.map(x => [x.path, [x.reason, x.checked]])
    );
    assert.deepEqual(summary, {
      'utils.py': ['import', true],
      mypkg: ['import', true],
      'data/small.csv': ['path', true],
      data: ['path', false],
      'model.pt': ['path', false],
      'requirements.txt': ['environment', true],
      'config.json': ['config', true]
    });
    assert.equal(c.find(x => x.path === 'mypkg')!.files, 1);
    const copy = companionFiles(
      c.filter(x => x.checked),
      files
    ).map(f => f.path);
    assert.deepEqual(copy.sort(), [
      'config.json',
      'data/small.csv',
      'mypkg/__init__.py',
      'requirements.txt',
      'utils.py'
    ]);
  });

  test('clean folder names', () => {
    assert.equal(
      cleanFolderName('sub/analysis.ipynb', '{name}-job'),
      'analysis-job'
    );
    assert.equal(cleanFolderName('a.ipynb', 'jobs/{name}'), 'jobs-a');
  });
});
