/**
 * Output of local runs and of Azure ML's own notebook editor as likely junk
 * (issue 8, part 4 of the documentation's fixes). What each offered line
 * takes out is asked of pathspec (the SDK's matcher), not of the engine.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { propose } from '../../src/snapshot/advisor.js';
import { resolveLimits } from '../../src/snapshot/limits.js';
import { scanFolder } from '../../src/snapshot/scan.js';
import { runReference } from '../conformance/reference.js';
import { MemoryFileSystem } from '../helpers/memory-fs.js';

const v1 = resolveLimits('azureml-v1');
const MiB = 1024 * 1024;

/** A project over the limits, with what local runs and the editor leave. */
const PROJECT: Record<string, number> = {
  'nb.ipynb': 1000,
  'train.py': 100,
  'requirements.txt': 10,
  'data/big.bin': 400 * MiB,
  'outputs/model.pkl': 5 * MiB,
  'logs/run.log': 3000,
  'azureml-logs/70_driver_log.txt': 4000,
  '.azureml/config.json': 200,
  '.azureml/run.runconfig': 300,
  '.ipynb_aml_checkpoints/nb-checkpoint2026.ipynb': 1000,
  'nb.ipynb.amltmp': 1000,
  'src/notes.md.amltemp': 50,
  // Not at the root: may be code, so not junk.
  'src/outputs/format.py': 10,
  'src/logs/handler.py': 10
};

describe('advisor: output of local runs', () => {
  test('each is offered as junk with its reason, and its line matches what it says', async () => {
    const scan = await scanFolder(new MemoryFileSystem(PROJECT));
    const p = propose(scan, v1, { notebook: 'nb.ipynb' });
    const junk = new Map(
      p.lines.filter(l => l.kind === 'junk').map(l => [l.pattern, l])
    );
    // Expected from the list and the spec's section 6.
    const expected: Record<string, { reason: string; matches: string[] }> = {
      '/outputs/': { reason: 'run-output', matches: ['outputs/model.pkl'] },
      '/logs/': { reason: 'run-output', matches: ['logs/run.log'] },
      '/azureml-logs/': {
        reason: 'run-output',
        matches: ['azureml-logs/70_driver_log.txt']
      },
      '/.azureml/': {
        reason: 'azureml-state',
        matches: ['.azureml/config.json', '.azureml/run.runconfig']
      },
      '.ipynb_aml_checkpoints/': {
        reason: 'azureml-editor',
        matches: ['.ipynb_aml_checkpoints/nb-checkpoint2026.ipynb']
      },
      '*.amltmp': { reason: 'azureml-editor', matches: ['nb.ipynb.amltmp'] },
      '*.amltemp': {
        reason: 'azureml-editor',
        matches: ['src/notes.md.amltemp']
      }
    };
    assert.deepEqual(
      [...junk.keys()].sort(),
      Object.keys(expected).sort(),
      'the junk lines offered'
    );
    const paths = Object.keys(PROJECT);
    const ref = runReference(
      Object.keys(expected).map(text => ({ text, paths }))
    );
    Object.entries(expected).forEach(([pattern, want], k) => {
      const line = junk.get(pattern)!;
      assert.equal(line.reason, want.reason, pattern);
      const matched = paths.filter((_, i) => ref.cases[k].results[i][0]);
      assert.deepEqual(matched.sort(), want.matches.sort(), pattern);
      // The tally shown is what the line takes out.
      const bytes = want.matches.reduce((n, f) => n + PROJECT[f], 0);
      assert.deepEqual(
        { files: line.files, bytes: line.bytes },
        { files: want.matches.length, bytes },
        pattern
      );
    });
    // Run folders below the root are not junk, and data is a plain folder.
    assert.ok(!p.lines.some(l => l.pattern.includes('src/outputs')));
    assert.equal(p.lines.find(l => l.pattern === '/data/')?.kind, 'folder');
  });

  test('a notebook inside run output or the editor\u2019s folders: none of them is offered', async () => {
    for (const notebook of [
      'outputs/nb.ipynb',
      'logs/nb.ipynb',
      'azureml-logs/nb.ipynb',
      '.azureml/nb.ipynb',
      '.ipynb_aml_checkpoints/nb.ipynb',
      'work.amltmp/nb.ipynb',
      'nb.amltemp/nb.ipynb'
    ]) {
      const files: Record<string, number> = {
        ...PROJECT,
        [notebook]: 1000,
        'work.amltmp/x.bin': 10,
        'nb.amltemp/y.bin': 10
      };
      delete files['nb.ipynb'];
      const scan = await scanFolder(new MemoryFileSystem(files));
      const p = propose(scan, v1, { notebook });
      assert.ok(p.lines.length > 0);
      const ref = runReference(
        p.lines.map(l => ({ text: l.pattern, paths: [notebook] }))
      );
      const reaching = p.lines
        .filter((_, k) => ref.cases[k].results[0][0])
        .map(l => l.pattern);
      assert.deepEqual(reaching, [], notebook);
    }
  });
});
