import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  parseSnapshotFailure,
  serverRelative
} from '../../src/snapshot/sdk-messages.js';

// The SDK v1 message as it appears in a cell (see the snapshot rules spec).
const SIZE_MESSAGE = [
  '====================================================================',
  '',
  'While attempting to take snapshot of /home/user/projects/churn',
  'Your total snapshot size exceeds the limit of 300.0 MB.',
  'Please see http://aka.ms/troubleshooting-code-snapshot on how to work with large snapshots.',
  '',
  '===================================================================='
].join('\n');

test('recognises the size message and the folder', () => {
  assert.deepEqual(parseSnapshotFailure(SIZE_MESSAGE), {
    limits: ['bytes'],
    folder: '/home/user/projects/churn'
  });
});

test('recognises the file-count message inside a coloured traceback', () => {
  const tb =
    '\x1b[0;31mSnapshotException\x1b[0m: \x1b[1mYour project exceeds the file limit of 2000.\x1b[0m';
  assert.deepEqual(parseSnapshotFailure(tb), {
    limits: ['files'],
    folder: null
  });
});

test('an overridden limit prints as a Python float', () => {
  const m = parseSnapshotFailure(
    'Your total snapshot size exceeds the limit of 953.67431640625 MB.'
  );
  assert.deepEqual(m?.limits, ['bytes']);
});

test('other output is not a snapshot failure', () => {
  assert.equal(parseSnapshotFailure('Your project is fine. 300.0 MB'), null);
});

test('absolute folders map into the server root', () => {
  assert.equal(serverRelative('/srv/root/a/b/', '/srv/root'), 'a/b');
  assert.equal(serverRelative('/srv/root', '/srv/root/'), '');
  assert.equal(serverRelative('/elsewhere/a', '/srv/root'), null);
  assert.equal(serverRelative('/srv/rootless/a', '/srv/root'), null);
  assert.equal(serverRelative('/srv/root/a', '~/x'), null);
});
