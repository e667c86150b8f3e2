/**
 * Names listed with their invisible characters made visible, and the
 * notebook comparison that tells the kernel's metadata from a user's edit
 * (issue 12). Expected values are written out by hand.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { onlyKernelMetadataChanged } from '../../src/guard/kernel-metadata.js';
import { visibleName, visibleNameParts } from '../../src/snapshot/format.js';

test('line breaks, tabs and control characters show as marks', () => {
  assert.equal(visibleName('new\nline.txt'), 'new⏎line.txt');
  assert.equal(visibleName('tab\tname'), 'tab⇥name');
  assert.equal(
    visibleName('cr\rbell\u0007del\u007f'),
    'cr\\rbell\\x07del\\x7f'
  );
  assert.equal(visibleName('c1\u0085 ls\u2028'), 'c1\\x85 ls\\u2028');
});

test('blanks show as ␣ at the ends only', () => {
  assert.equal(visibleName(' lead'), '␣lead');
  assert.equal(visibleName('trail  '), 'trail␣␣');
  assert.equal(visibleName('in side'), 'in side');
  assert.equal(visibleName('\u00a0nbsp'), '␣nbsp');
  assert.equal(visibleName('   '), '␣␣␣');
  assert.equal(visibleName('plain/path.py'), 'plain/path.py');
});

test('marks are told apart from the same characters in a name', () => {
  assert.deepEqual(visibleNameParts('a⏎b\nc '), [
    { text: 'a⏎b', mark: false },
    { text: '⏎', mark: true },
    { text: 'c', mark: false },
    { text: '␣', mark: true }
  ]);
});

/** A small notebook as nbformat stores it (multiline strings as lists). */
function saved(): any {
  return {
    cells: [
      {
        cell_type: 'code',
        id: 'c1',
        metadata: {},
        execution_count: 1,
        source: ['x = 1\n', 'print(x)'],
        outputs: [
          { output_type: 'stream', name: 'stdout', text: ['1\n'] },
          {
            output_type: 'display_data',
            metadata: {},
            data: {
              'text/plain': ['a\n', 'b'],
              'application/json': { k: ['a', 'b'] }
            }
          }
        ]
      }
    ],
    metadata: {
      kernelspec: { name: 'python3', display_name: 'Python 3' },
      language_info: { name: 'python' },
      tags: ['a', 'b']
    },
    nbformat: 4,
    nbformat_minor: 5
  };
}

test('kernel metadata alone is not a user change', () => {
  const model = saved();
  model.cells[0].source = 'x = 1\nprint(x)';
  model.cells[0].outputs[0].text = '1\n';
  model.cells[0].outputs[1].data['text/plain'] = 'a\nb';
  model.cells[0].metadata = { trusted: false };
  model.metadata.language_info = { name: 'python', version: '3.11.2' };
  model.metadata.kernelspec = {
    name: 'python3',
    display_name: 'Python 3 (ipykernel)',
    language: 'python'
  };
  assert.equal(onlyKernelMetadataChanged(saved(), model), true);
});

test('any other difference is a user change', () => {
  const edits: ((nb: any) => void)[] = [
    nb => (nb.cells[0].source = 'x = 2\nprint(x)'),
    nb => (nb.metadata.tags = ['a']),
    nb => (nb.cells[0].outputs[0].text = ['2\n']),
    nb => (nb.cells[0].outputs[1].data['application/json'] = { k: 'ab' }),
    nb => (nb.cells[0].execution_count = 2),
    nb => nb.cells.push({ cell_type: 'markdown', metadata: {}, source: '' }),
    nb => (nb.nbformat_minor = 4),
    nb => (nb.cells[0].metadata = { trusted: false, tags: ['x'] })
  ];
  for (const edit of edits) {
    const model = saved();
    edit(model);
    assert.equal(onlyKernelMetadataChanged(saved(), model), false, `${edit}`);
  }
  assert.equal(onlyKernelMetadataChanged(null, saved()), false);
  assert.equal(onlyKernelMetadataChanged(saved(), { cells: 1 }), false);
});
