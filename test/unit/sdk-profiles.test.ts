/**
 * The two SDK models through the real CLI on real folders. Every expected
 * value is hand-derived from the spec (shared/spec/snapshot-rules.md,
 * sections 3.1-3.4) or from the SDK source it cites, never from the engine.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { sharedTempDir, sharedTree } from '../helpers/other-user.js';
import { CLI, cli, tempFolders } from '../helpers/tree.js';

const { folder, track } = tempFolders('sg-sdk-');

function mkfifoSync(path: string) {
  const r = spawnSync('mkfifo', [path]);
  assert.equal(r.status, 0, String(r.stderr));
}

function ls(dir: string, profile: string): string[] {
  const r = cli(['ls', dir, '--profile', profile, '-z']);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .split('\0')
    .filter(p => p !== '' && p !== '.amlignore')
    .sort();
}

function json(dir: string, profile: string) {
  const r = cli(['check', dir, '--json', '--profile', profile]);
  return { status: r.status, j: JSON.parse(r.stdout), stderr: r.stderr };
}

// Spec table 3.4: ignore file -> files -> v1 keeps | v2 keeps.
const TABLE: Array<[string, string[], string[], string[]]> = [
  [
    'build\n!build/keep.txt\n',
    ['build/keep.txt', 'build/a.txt'],
    [],
    ['build/keep.txt']
  ],
  [
    '*\n!*.py\n',
    ['a.py', 'src/b.py', 'src/c.txt'],
    ['a.py'],
    ['a.py', 'src/b.py']
  ],
  [
    '*\n!*/\n!*.py\n',
    ['a.py', 'a.txt', 'src/b.py', 'src/c.txt'],
    ['a.py'],
    ['a.py', 'src/b.py', 'src/c.txt']
  ],
  ['src/*\n!src/lib/\n', ['src/x.py', 'src/lib/y.py'], [], ['src/lib/y.py']],
  ['data/\n!data/keep/\n', ['data/x', 'data/keep/y'], [], ['data/keep/y']],
  [
    '**/cache\n!**/cache/keep\n',
    ['a/cache/keep', 'a/cache/x', 'cache/x'],
    [],
    ['a/cache/keep']
  ],
  [
    'log[^0-9].txt\n',
    ['logA.txt', 'log1.txt', 'log^.txt'],
    ['log1.txt'],
    ['logA.txt']
  ],
  [
    'build/\n!build/keep.txt\n',
    ['build/keep.txt', 'build/a.txt'],
    ['build/keep.txt'],
    ['build/keep.txt']
  ]
];

describe('spec table 3.4: where the SDKs differ', () => {
  for (const [ignore, files, v1, v2] of TABLE) {
    test(JSON.stringify(ignore), () => {
      const tree: Record<string, string> = { '.amlignore': ignore };
      files.forEach(f => (tree[f] = 'x'));
      const d = folder(tree);
      assert.deepEqual(ls(d, 'azureml-v1'), [...v1].sort());
      assert.deepEqual(ls(d, 'azureml-v2'), [...v2].sort());
    });
  }

  test('the whitelist idiom uploads train.py alone under v1', () => {
    const d = folder({
      '.amlignore': '*\n!train.py\n!src/\n!src/**\n',
      'train.py': 'x',
      'src/util.py': 'x',
      'src/deep/x.py': 'x'
    });
    assert.deepEqual(ls(d, 'azureml-v1'), ['train.py']);
    // v2 matches each file on its own: `!src/**` brings them back.
    assert.deepEqual(ls(d, 'azureml-v2'), [
      'src/deep/x.py',
      'src/util.py',
      'train.py'
    ]);
  });
});

describe('v1: two walks, two figures', () => {
  test('the size check counts what a negation brings back inside an excluded folder; the upload does not', () => {
    const d = folder({
      '.amlignore': 'data\n!data/keep.csv\n',
      'data/keep.csv': 1000,
      'data/big.bin': 5000,
      'a.py': 10
    });
    const { status, j } = json(d, 'azureml-v1');
    assert.equal(status, 0);
    assert.equal(j.sdk, 'azureml-core');
    // Upload list: .amlignore (20 bytes) and a.py; `data` is never entered.
    assert.equal(j.fileCount, 2);
    assert.equal(j.uploadBytes, 20 + 10);
    // Size check: per file, so data/keep.csv (brought back) counts.
    assert.equal(j.totalBytes, 20 + 10 + 1000);
    const w = j.warnings.find((x: any) => x.kind === 'walks-disagree');
    assert.ok(w, JSON.stringify(j.warnings));
    assert.equal(w.path, 'data');
    assert.match(
      w.message,
      /counts 1000 bytes of `data\/` toward the limit but uploads none of it: line 1 `data` excludes the folder, so line 2 `!data\/keep.csv` is never reached/
    );
    assert.deepEqual(
      j.deadLines.map((x: any) => x.line),
      [2]
    );
    // v2 uploads data/keep.csv, and the two byte figures agree.
    const v2 = json(d, 'azureml-v2').j;
    assert.equal(v2.fileCount, 3);
    assert.equal(v2.totalBytes, 1030);
    assert.equal(v2.uploadBytes, 1030);
    assert.deepEqual(v2.deadLines, []);
  });

  test('the size check does not follow links to folders; the upload walk does', () => {
    const d = folder({ 'real/x.bin': 100 });
    symlinkSync('real', join(d, 'alias'));
    const v1 = json(d, 'azureml-v1').j;
    assert.equal(v1.fileCount, 2); // real/x.bin, alias/x.bin
    assert.equal(v1.uploadBytes, 200);
    assert.equal(v1.totalBytes, 100);
    const v2 = json(d, 'azureml-v2').j;
    assert.equal(v2.totalBytes, 200);
  });

  test('why explains the folder that is never entered, and what v2 does', () => {
    const d = folder({
      '.amlignore': 'build\n!build/keep.txt\n',
      'build/keep.txt': 'x'
    });
    const r = cli(['why', d, 'build/keep.txt', '--profile', 'azureml-v1']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      r.stdout.trim(),
      'build/keep.txt: not uploaded by azureml-core: the folder `build` is excluded by line 1 `build`, and azureml-core never looks inside it, so line 2 `!build/keep.txt` is never reached. azure-ai-ml would upload it.'
    );
    const r2 = cli(['why', d, 'build/keep.txt', '--profile', 'azureml-v2']);
    assert.match(
      r2.stdout,
      /uploaded by azure-ai-ml: brought back by line 2 `!build\/keep.txt`\. azureml-core would leave it out\./
    );
  });
});

describe('what makes an SDK fail is reported, exit 2', () => {
  test('v1: a dangling link, a FIFO and a link loop that are not excluded', () => {
    const d = folder({ 'a/x.txt': 'x', 'ok.py': 'x' });
    symlinkSync('nowhere', join(d, 'dangle'));
    mkfifoSync(join(d, 'pipe'));
    symlinkSync('..', join(d, 'a', 'up'));
    const { status, j } = json(d, 'azureml-v1');
    assert.equal(status, 2);
    assert.deepEqual(j.failures.map((f: any) => `${f.kind}:${f.path}`).sort(), [
      'dangling-link:dangle',
      'link-loop:a/up',
      'special-file:pipe'
    ]);
    // Excluded, they are harmless (the SDK never touches them).
    writeFileSync(join(d, '.amlignore'), 'dangle\npipe\na/up\n');
    assert.equal(json(d, 'azureml-v1').status, 0);
    // v2 fails on them too: `os.path.getsize` on the dangling link and on
    // the last link of the loop, `open()` on the FIFO (_asset_utils.py).
    writeFileSync(join(d, '.amlignore'), '');
    const v2 = json(d, 'azureml-v2');
    assert.equal(v2.status, 2, v2.stderr);
    assert.deepEqual(
      v2.j.failures.map((f: any) => `${f.kind}:${f.path}`).sort(),
      ['dangling-link:dangle', 'link-loop:a/up', 'special-file:pipe']
    );
  });

  test('a FIFO in a folder v1 never enters is not a failure', () => {
    const d = folder({ '.amlignore': 'junk\n!junk/keep\n', 'junk/a': 'x' });
    mkfifoSync(join(d, 'junk', 'pipe'));
    assert.equal(json(d, 'azureml-v1').status, 0);
  });

  test('an invalid pattern names the line, in each SDK', () => {
    // `foo\ ` as the last line: v2 right-strips it, leaving a lone backslash.
    const d = folder({ '.amlignore': '# ok\nfoo\\ ', 'a.txt': 'x' });
    const v2 = cli(['check', d, '--profile', 'azureml-v2']);
    assert.equal(v2.status, 2);
    assert.match(v2.stderr, /\.amlignore, line 2: .* azure-ai-ml/);
    // v1 (pathspec 0.12.1, raw lines) keeps the escaped space of a last
    // line without a line break: valid.
    assert.equal(cli(['check', d, '--profile', 'azureml-v1']).status, 0);
    const bad = folder({ '.gitignore': 'x\n[z-a]\n', 'a.txt': 'x' });
    for (const p of ['azureml-v1', 'azureml-v2']) {
      const r = cli(['check', bad, '--profile', p]);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /\.gitignore, line 2/);
    }
  });

  test('an unreadable file: v1 leaves it out but counts its size, v2 fails', () => {
    // Run as an ordinary user (root reads everything), in folders that user
    // can reach wherever the checkout lives.
    const d = sharedTree({ 'ok.txt': 'abc', 'secret.bin': 1000 }, 'sg-sdk-');
    track(d);
    chmodSync(join(d, 'secret.bin'), 0o000);
    const run = (p: string) =>
      cli(['check', d, '--json', '--profile', p], { asOtherUser: true });
    const v1 = run('azureml-v1');
    const v2 = run('azureml-v2');
    const out = sharedTempDir('sg-zip-');
    track(out);
    chmodSync(out, 0o777);
    const packed = cli(
      ['pack', d, '--profile', 'azureml-v1', '-o', join(out, 'o.zip')],
      { asOtherUser: true }
    );
    chmodSync(join(d, 'secret.bin'), 0o644);
    assert.equal(v1.status, 0, v1.stderr);
    const j1 = JSON.parse(v1.stdout);
    assert.equal(j1.fileCount, 1);
    assert.equal(j1.uploadBytes, 3);
    assert.equal(j1.totalBytes, 1003);
    assert.ok(
      j1.warnings.some(
        (w: any) => w.kind === 'unreadable' && w.path === 'secret.bin'
      )
    );
    assert.equal(v2.status, 2);
    assert.equal(JSON.parse(v2.stdout).failures[0].path, 'secret.bin');
    // pack packs the upload list, which leaves the file out: no EACCES.
    assert.equal(packed.status, 0, packed.stderr);
    assert.match(packed.stderr, /Packed 1 files/);
  });
});

describe('dead lines and byte-order marks', () => {
  test('v1 keeps a BOM in the first pattern, v2 drops it', () => {
    const d = folder({ 'data/x.bin': 500, 'a.py': 'x' });
    writeFileSync(join(d, '.amlignore'), '\ufeffdata\n');
    const v1 = json(d, 'azureml-v1').j;
    assert.equal(v1.fileCount, 3); // .amlignore, a.py, data/x.bin
    assert.deepEqual(
      v1.deadLines.map((x: any) => [x.line, x.text]),
      [[1, 'data']]
    );
    const v2 = json(d, 'azureml-v2').j;
    assert.equal(v2.fileCount, 2);
    assert.deepEqual(v2.deadLines, []);
  });
});

describe('profile auto', () => {
  test('imports decide; unclear means v1, and the reason says so', () => {
    const v2 = folder({
      'job.py': 'from azure.ai.ml import MLClient, command\n'
    });
    assert.equal(json(v2, 'auto').j.sdk, 'azure-ai-ml');
    assert.match(
      json(v2, 'auto').j.profileReason,
      /job\.py imports azure\.ai\.ml/
    );
    const v1 = folder({
      'nb.ipynb': JSON.stringify({
        cells: [
          {
            cell_type: 'code',
            source: ['from azureml.core import Workspace\n']
          }
        ]
      })
    });
    const r = cli(['check', v1, '--json']); // auto is the default
    assert.equal(JSON.parse(r.stdout).sdk, 'azureml-core');
    const none = folder({ 'x.py': 'import os\n' });
    const j = json(none, 'auto').j;
    assert.equal(j.sdk, 'azureml-core');
    assert.match(j.profileReason, /strict/);
  });

  test('the notebook given wins over the folder', () => {
    const d = folder({
      'old.py': 'import azureml.core\n',
      'nb.ipynb': JSON.stringify({
        cells: [{ cell_type: 'code', source: 'import azure.ai.ml as ml\n' }]
      })
    });
    const r = cli(['check', d, '--json', '--notebook', 'nb.ipynb']);
    assert.equal(JSON.parse(r.stdout).sdk, 'azure-ai-ml');
  });
});

describe('link DAGs', () => {
  test('doubled links 16 deep: bounded work and a clear warning', () => {
    // l0/f; l(k+1)/a -> ../lk, l(k+1)/b -> ../lk: 2^16 paths to one file.
    const d = folder({ 'l0/f.txt': 'x' });
    for (let k = 1; k <= 16; k++) {
      mkdirSync(join(d, `l${k}`));
      symlinkSync(`../l${k - 1}`, join(d, `l${k}`, 'a'));
      symlinkSync(`../l${k - 1}`, join(d, `l${k}`, 'b'));
    }
    const r = spawnSync(
      process.execPath,
      [CLI, 'check', d, '--json', '--profile', 'azureml-v2'],
      { encoding: 'utf8', timeout: 120_000 }
    );
    assert.ok(r.status === 0 || r.status === 1, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.ok(j.warnings.some((w: any) => w.kind === 'link-blowup'));
    assert.equal(j.complete, false);
    // The size check does not follow links: v1 counts the one real file once.
    const v1 = json(d, 'azureml-v1').j;
    assert.equal(v1.totalBytes, 1);
  });

  test('a folder reached twice through links is uploaded twice', () => {
    const d = folder({ 'shared/m.py': 'abcd' });
    symlinkSync('shared', join(d, 'one'));
    symlinkSync('shared', join(d, 'two'));
    const v2 = json(d, 'azureml-v2').j;
    assert.equal(v2.fileCount, 3);
    assert.equal(v2.uploadBytes, 12);
    assert.ok(v2.warnings.some((w: any) => w.kind === 'link-repeat'));
  });
});
