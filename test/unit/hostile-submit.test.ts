// Issue #9, suspected items in the submit targets, checked against
// independent references (POSIX word splitting by Python's shlex, and the
// WHATWG URL parser).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { commandFor, httpsUrl } from '../../src/submit/shell.js';
import { DEFAULT_AZUREML_COMMAND } from '../../src/submit/settings.js';

function words(command: string): string[] {
  const r = spawnSync(
    '/usr/bin/python3',
    [
      '-c',
      'import shlex, sys, json; print(json.dumps(shlex.split(sys.argv[1])))',
      command
    ],
    { encoding: 'utf8' }
  );
  return JSON.parse(r.stdout);
}

describe('the job command', () => {
  test('a notebook named like an option reaches papermill as a path', () => {
    for (const nb of [
      '-h.ipynb',
      '--help.ipynb',
      "-x'; rm -rf ~.ipynb",
      'sub/-v.ipynb'
    ]) {
      const argv = words(commandFor(DEFAULT_AZUREML_COMMAND, nb));
      assert.equal(argv[0], 'papermill');
      assert.ok(
        argv.slice(1).every(a => !a.startsWith('-')),
        `${nb}: ${JSON.stringify(argv)}`
      );
      assert.equal(argv.length, 3);
      assert.ok(argv[1].endsWith(nb.replace(/^.*\//, '')));
    }
  });
});

describe('the studio link', () => {
  test('only https URLs are opened', () => {
    assert.equal(
      httpsUrl('https://ml.azure.com/runs/x?wsid=/subscriptions/1'),
      'https://ml.azure.com/runs/x?wsid=/subscriptions/1'
    );
    for (const bad of [
      'javascript:alert(document.cookie)',
      'JAVASCRIPT:alert(1)',
      ' javascript:alert(1)',
      'http://ml.azure.com/runs/x',
      'data:text/html,<script>alert(1)</script>',
      'file:///etc/passwd',
      '//evil.example/x',
      'not a url',
      '',
      null
    ]) {
      assert.equal(httpsUrl(bad), null, String(bad));
    }
  });
});
