import assert from 'node:assert/strict';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  symlinkSync,
  utimesSync,
  writeFileSync
} from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { sharedTree } from '../helpers/other-user.js';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EDIT } from '../helpers/edit-after-read.js';
import {
  CLI,
  checkJson,
  cli,
  makeTree,
  tempDir,
  tempFolders
} from '../helpers/tree.js';
import { runReference } from '../conformance/reference.js';
import { referenceCheck } from '../helpers/reference-check.js';

const EDIT_HOOK = fileURLToPath(
  new URL('../helpers/edit-after-read.js', import.meta.url)
);

const { folder, track } = tempFolders('sg-cli-');
/** A folder another user can enter (see other-user.ts). */
function sharedFolder(files: Record<string, string | number>): string {
  const d = sharedTree(files, 'sg-cli-');
  track(d);
  return d;
}

function manyFiles(n: number, prefix = 'f'): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    out[`${prefix}/${i}.txt`] = '';
  }
  return out;
}

describe('check', () => {
  test('counts files and bytes and reports the ignore file in JSON', () => {
    const d = folder({
      'nb.ipynb': '{}',
      'a.py': 'x = 1\n',
      'data/big.bin': 1000,
      'data/keep.csv': 'a,b\n',
      '.gitignore': 'data/\n!data/keep.csv\n'
    });
    const j = checkJson(d);
    assert.equal(j.ignoreFile, '.gitignore');
    // nb.ipynb, a.py, .gitignore, data/keep.csv (brought back per file)
    assert.equal(j.fileCount, 4);
    assert.equal(j.totalBytes, 2 + 6 + 'data/\n!data/keep.csv\n'.length + 4);
    assert.equal(j.verdict, 'ok');
    assert.equal(j.limits.maxBytes, 314572800);
    assert.equal(j.limits.maxFiles, 2000);
    assert.ok(Array.isArray(j.top) && Array.isArray(j.warnings));
    assert.deepEqual(j.excluded.files, 1);
    assert.deepEqual(j.excluded.bytes, 1000);
  });

  test('.amlignore replaces .gitignore entirely', () => {
    const d = folder({
      'a.log': 'x',
      'b.tmp': 'y',
      '.gitignore': '*.log\n',
      '.amlignore': '*.tmp\n'
    });
    const j = checkJson(d);
    assert.equal(j.ignoreFile, '.amlignore');
    const ls = cli(['ls', d]).stdout.split('\n').filter(Boolean);
    assert.deepEqual(ls, ['.amlignore', '.gitignore', 'a.log']);
  });

  test('human output has the verdict and text bars, exit 1 when over', () => {
    const d = folder({ 'data/huge.bin': 400 * 1024 * 1024, 'nb.ipynb': '{}' });
    const r = cli(['check', d]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /Verdict: OVER/);
    assert.match(r.stdout, /data\/\s+█+\s+400 MB/);
  });

  test('exactly 2000 files passes, 2001 fails', () => {
    const d = folder(manyFiles(2000));
    assert.equal(cli(['check', d]).status, 0);
    assert.equal(checkJson(d).fileCount, 2000);
    makeTree(d, { 'one-more.txt': '' });
    const r = cli(['check', d, '--json']);
    assert.equal(r.status, 1);
    assert.equal(JSON.parse(r.stdout).verdict, 'over');
  });

  test('exactly 314,572,800 bytes passes, one more byte fails', () => {
    const d = folder({ 'a.bin': 314572800 - 10, 'b.bin': 10 });
    const j = checkJson(d);
    assert.equal(j.totalBytes, 314572800);
    assert.equal(j.verdict, 'near');
    assert.equal(cli(['check', d]).status, 0);
    makeTree(d, { 'b.bin': 11 });
    assert.equal(cli(['check', d]).status, 1);
  });

  test('near at the configured fraction', () => {
    const d = folder(manyFiles(1600));
    assert.equal(checkJson(d).verdict, 'near');
    assert.equal(checkJson(d, ['--near', '0.9']).verdict, 'ok');
  });

  test('custom limits and no file limit', () => {
    const d = folder({ ...manyFiles(2500), 'x.bin': 5000 });
    assert.equal(checkJson(d).verdict, 'over');
    const none = checkJson(d, ['--max-files', 'none']);
    assert.equal(none.limits.maxFiles, null);
    assert.equal(none.verdict, 'ok');
    const env = JSON.parse(
      cli(['check', d, '--json'], { env: { AML_SNAPSHOT_NO_FILE_LIMIT: '1' } })
        .stdout
    );
    assert.equal(env.verdict, 'ok');
    assert.equal(
      checkJson(d, ['--max-files', 'none', '--max-bytes', '4000']).verdict,
      'over'
    );
  });

  test('azureml-v2: warns above 100,000,000 bytes; an empty folder is an error', () => {
    const d = folder({ 'a.bin': 100_000_001, ...manyFiles(3000) });
    const j = checkJson(d, ['--profile', 'azureml-v2']);
    assert.equal(j.verdict, 'near');
    assert.equal(j.limits.maxFiles, null);
    // Exactly 100,000,000 bytes is no warning (the SDK compares with >).
    const at = folder({ 'a.bin': 100_000_000 });
    assert.equal(checkJson(at, ['--profile', 'azureml-v2']).verdict, 'ok');
    const empty = folder();
    mkdirSync(join(empty, 'sub'));
    const r = cli(['check', empty, '--profile', 'azureml-v2']);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /empty/);
    assert.equal(cli(['check', empty]).status, 0);
  });
});

describe('ls and why', () => {
  test('ls lists the upload in UTF-8 byte order', () => {
    const names = [
      'b.txt',
      'B.txt',
      'é.txt',
      'z/a.txt',
      '\uffff.txt',
      '😀.txt',
      'a b.txt'
    ];
    const d = folder(Object.fromEntries(names.map(n => [n, 'x'])));
    const out = cli(['ls', d]).stdout.split('\n').filter(Boolean);
    const expected = [...names].sort((x, y) =>
      Buffer.compare(Buffer.from(x), Buffer.from(y))
    );
    assert.deepEqual(out, expected);
  });

  test('why names the file and line that decided', () => {
    const d = folder({
      '.gitignore': '# data\n*.csv\n\n!keep.csv\n',
      'a.csv': '',
      'keep.csv': '',
      'x.py': ''
    });
    assert.match(
      cli(['why', d, 'a.csv']).stdout,
      /a\.csv: not uploaded by azureml-core: excluded by \.gitignore line 2 `\*\.csv`/
    );
    assert.match(
      cli(['why', d, 'keep.csv']).stdout,
      /keep\.csv: uploaded by azureml-core: brought back by line 4 `!keep\.csv`/
    );
    assert.match(
      cli(['why', d, 'x.py']).stdout,
      /x\.py: uploaded by azureml-core: no line of \.gitignore matches it/
    );
  });
});

describe('suggest', () => {
  test('--write creates .amlignore carrying .gitignore, and the folder then passes', () => {
    const d = folder({
      'nb.ipynb': '{}',
      'utils.py': 'x=1',
      '.gitignore': '*.log\n',
      'run.log': 5,
      'data/big.bin': 400 * 1024 * 1024,
      ...manyFiles(50, '.git/objects')
    });
    assert.equal(cli(['check', d]).status, 1);
    const r = cli(['suggest', d, '--notebook', 'nb.ipynb', '--write']);
    assert.equal(r.status, 0, r.stderr);
    const written = readFileSync(join(d, '.amlignore'), 'utf8');
    assert.match(
      written,
      /^# Azure ML reads \.amlignore instead of \.gitignore/
    );
    assert.ok(written.includes('*.log\n'));
    assert.ok(written.includes('/data/\n'));
    // What azureml-core then does with it, by the reference.
    const ref = referenceCheck(d);
    assert.equal(ref.ignoreFile, '.amlignore');
    assert.equal(ref.verdict, 'ok');
    assert.ok(ref.files.includes('nb.ipynb') && ref.files.includes('utils.py'));
    assert.ok(!ref.files.includes('run.log'));
  });

  test('an existing .amlignore is appended to, its bytes unchanged', () => {
    const original = '# mine\n*.tmp   \n!important.tmp';
    const d = folder({
      '.amlignore': original,
      'nb.ipynb': '{}',
      'big/blob.bin': 400 * 1024 * 1024
    });
    assert.equal(cli(['suggest', d, '--write']).status, 0);
    const now = readFileSync(join(d, '.amlignore'), 'utf8');
    assert.ok(now.startsWith(original + '\n'));
    assert.match(
      now,
      /# >>> jupyterlab-snapshot-guard[^\n]*\n\/big\/\n# <<< jupyterlab-snapshot-guard\n$/
    );
    assert.equal(checkJson(d).verdict, 'ok');
  });

  test('a notebook inside run output: its folder is not excluded', () => {
    const d = folder({
      'outputs/nb.ipynb': '{}',
      'outputs/model.bin': 400 * 1024 * 1024,
      'train.py': 'x=1'
    });
    const r = cli(['suggest', d, '--notebook', 'outputs/nb.ipynb', '--write']);
    assert.equal(r.status, 0, r.stderr);
    const text = readFileSync(join(d, '.amlignore'), 'utf8');
    // pathspec decides, not the engine that wrote the file.
    const ref = runReference([
      { text, paths: ['outputs/nb.ipynb', 'outputs/model.bin', 'train.py'] }
    ]).cases[0];
    assert.equal(ref.error, null);
    assert.deepEqual(
      ref.results.map(x => x[0]),
      [false, true, false],
      text
    );
    assert.match(
      cli(['why', d, 'outputs/nb.ipynb']).stdout,
      /^outputs\/nb\.ipynb: uploaded by azureml-core: no line of \.amlignore matches it/
    );
  });

  test('--write refuses when .amlignore changes between the scan and the write', () => {
    const original = '# mine\n*.tmp\n';
    const d = folder({
      '.amlignore': original,
      'nb.ipynb': '{}',
      'big/blob.bin': 400 * 1024 * 1024
    });
    const target = join(d, '.amlignore');
    const r = cli(['suggest', d, '--write'], {
      env: {
        // A file URL: NODE_OPTIONS splits a plain path at its spaces.
        NODE_OPTIONS: `--import=${pathToFileURL(EDIT_HOOK).href}`,
        EDIT_AFTER_READ: target
      }
    });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /\.amlignore changed while it was being checked/);
    // The other edit is kept, and nothing of ours was added.
    assert.equal(readFileSync(target, 'utf8'), original + EDIT);
    // Without an edit in between, the same command writes.
    assert.equal(cli(['suggest', d, '--write']).status, 0);
    assert.match(readFileSync(target, 'utf8'), /\n\/big\/\n/);
  });

  test('nothing is written when nothing is needed', () => {
    const d = folder({ 'nb.ipynb': '{}' });
    const r = cli(['suggest', d, '--write']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /within its limits/);
    assert.throws(() => readFileSync(join(d, '.amlignore')));
  });
});

describe('bad input', () => {
  test('a missing folder', () => {
    const r = cli(['check', '/nonexistent/folder']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /\/nonexistent\/folder: no such folder/);
  });

  test('a file instead of a folder', () => {
    const d = folder({ 'f.txt': 'x' });
    const r = cli(['check', join(d, 'f.txt')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /is a file, not a folder/);
  });

  test('a bad flag, a bad number, an unknown profile', () => {
    const d = folder({ 'a.txt': '' });
    for (const args of [
      ['check', d, '--frobnicate'],
      ['check', d, '--max-bytes', '12MB'],
      ['check', d, '--profile', 'azureml-v9'],
      ['frob', d]
    ]) {
      const r = cli(args);
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr, /^snapshot-guard: \S/);
      assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace');
    }
  });

  // azureml-core's upload walk lists every folder it does not exclude
  // (merkle_tree.py `_create_merkletree_helper`: `listdir` unguarded), so
  // there it fails; azure-ai-ml's `os.walk` skips it silently.
  test('an unreadable subfolder: a warning for v2, a failure for v1', () => {
    const d = sharedFolder({ 'ok.txt': 'x', 'secret/a.txt': 'y' });
    chmodSync(join(d, 'secret'), 0o000);
    // As root every folder is readable: run the check as an ordinary user.
    const run = (p: string) =>
      cli(['check', d, '--json', '--profile', p], { asOtherUser: true });
    const v2 = run('azureml-v2');
    const v1 = run('azureml-v1');
    chmodSync(join(d, 'secret'), 0o755);
    assert.equal(v2.status, 0, v2.stderr);
    const j = JSON.parse(v2.stdout);
    assert.equal(j.fileCount, 1);
    assert.equal(j.warnings[0].kind, 'unreadable');
    assert.equal(j.warnings[0].path, 'secret');
    assert.equal(v1.status, 2);
    assert.equal(JSON.parse(v1.stdout).failures[0].path, 'secret');
  });

  test('an unreadable root is an error', () => {
    const d = sharedFolder({ 'sub/a.txt': 'x' });
    chmodSync(join(d, 'sub'), 0o000);
    const r = cli(['check', join(d, 'sub')], { asOtherUser: true });
    chmodSync(join(d, 'sub'), 0o755);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /permission denied/);
  });

  test('a symlink loop is reported once and does not hang', () => {
    const d = folder({ 'a/file.txt': 'x' });
    symlinkSync('..', join(d, 'a', 'up'));
    symlinkSync('self', join(d, 'self'));
    // Both SDKs fail on them (spec 3.2; azure-ai-ml's `os.path.getsize`
    // on the last link of the loop): reported once each, exit 2.
    for (const p of ['azureml-v1', 'azureml-v2']) {
      const r = cli(['check', d, '--json', '--profile', p]);
      assert.equal(r.status, 2, r.stderr);
      const j = JSON.parse(r.stdout);
      assert.equal(j.fileCount, 1);
      const failed = j.failures.map((f: any) => `${f.kind}:${f.path}`);
      assert.deepEqual(failed.sort(), ['link-loop:a/up', 'link-loop:self']);
    }
  });

  test('links: followed inside, reported outside, dangling reported', () => {
    const outside = folder({ 'ext/big.bin': 1000 });
    const d = folder({ 'real/x.txt': 'abc' });
    symlinkSync('real', join(d, 'alias'));
    symlinkSync(join(outside, 'ext'), join(d, 'external'));
    symlinkSync('nowhere.txt', join(d, 'dangling.txt'));
    const r = cli(['check', d, '--json', '--profile', 'azureml-v2']);
    // A dangling link that is not excluded makes the SDK fail: exit 2.
    assert.equal(r.status, 2, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.fileCount, 3); // real/x.txt, alias/x.txt, external/big.bin
    assert.equal(j.totalBytes, 1006);
    const w = Object.fromEntries(j.warnings.map((x: any) => [x.path, x.kind]));
    assert.equal(w['external'], 'link-outside');
    assert.equal(j.failures[0].kind, 'dangling-link');
    assert.equal(j.failures[0].path, 'dangling.txt');
  });

  test('an ignore file with invalid UTF-8', () => {
    const d = folder({ 'a.txt': '' });
    writeFileSync(
      join(d, '.gitignore'),
      Buffer.from([0x2a, 0x0a, 0xff, 0xfe, 0x0a])
    );
    const r = cli(['check', d]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /\.gitignore.*(UTF-8|utf-8)/);
  });

  test('a very large ignore file is handled', () => {
    const lines: string[] = [];
    for (let i = 0; i < 20000; i++) {
      lines.push(`/generated/file-${i}.dat`);
    }
    const d = folder({
      '.gitignore': lines.join('\n'),
      'keep.py': '',
      'generated/file-7.dat': 'x',
      'generated/other.dat': 'y'
    });
    const j = checkJson(d);
    assert.equal(j.fileCount, 3);
    assert.equal(j.excluded.files, 1);
  });

  test('file names with newlines are counted and listed unambiguously', () => {
    const d = folder({ 'a\nb.txt': 'xy', 'c.txt': 'z' });
    const j = checkJson(d);
    assert.equal(j.fileCount, 2);
    assert.equal(j.totalBytes, 3);
    const r = cli(['ls', d]);
    assert.deepEqual(r.stdout.split('\n').filter(Boolean), [
      '"a\\nb.txt"',
      'c.txt'
    ]);
    const z = cli(['ls', d, '-z']);
    assert.deepEqual(z.stdout.split('\0').filter(Boolean), [
      'a\nb.txt',
      'c.txt'
    ]);
  });
});

describe('pack', () => {
  test('the zip passes unzip -t, holds exactly the SDK upload list, names extract', () => {
    const d = folder({
      '.gitignore': 'data/\n!data/keep.csv\n*.log\n',
      'nb.ipynb': '{"cells": []}',
      'données/été.csv': 'a,b\n1,2\n',
      '日本/ファイル.txt': 'x'.repeat(5000),
      'data/big.bin': 10_000,
      'data/keep.csv': 'k',
      'run.log': 'noise',
      'a b/#c!.txt': 'hostile'
    });
    const out = tempDir('sg-zip-');
    track(out);
    const zip = join(out, 'snap.zip');
    const r = cli(['pack', d, '-o', zip]);
    assert.equal(r.status, 0, r.stderr);
    const test = spawnSync('unzip', ['-t', zip], { encoding: 'utf8' });
    assert.equal(test.status, 0, test.stdout);
    const entries = spawnSync('unzip', ['-Z1', zip], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter(Boolean);
    // Exactly what azureml-core uploads, by the reference (not our ls).
    const uploaded = referenceCheck(d).files;
    assert.deepEqual([...entries].sort(), uploaded);
    assert.ok(
      uploaded.includes('data/keep.csv') && !uploaded.includes('data/big.bin')
    );
    const x = join(out, 'x');
    assert.equal(spawnSync('unzip', ['-q', zip, '-d', x]).status, 0);
    assert.equal(
      readFileSync(join(x, 'données/été.csv'), 'utf8'),
      'a,b\n1,2\n'
    );
    assert.equal(
      readFileSync(join(x, '日本/ファイル.txt'), 'utf8').length,
      5000
    );
  });

  test('refuses to write the zip inside the folder it packs', () => {
    const d = folder({ 'a.txt': 'x' });
    const r = cli(['pack', d, '-o', join(d, 'self.zip')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /inside/);
  });
});

const SWAP_HOOK = fileURLToPath(
  new URL('../helpers/swap-before-write.js', import.meta.url)
);

/** Run the CLI with a link swapped in for `dir` just before it writes. */
function cliWithSwap(args: string[], dir: string, to: string) {
  track(`${dir}.moved`);
  return cli(args, {
    env: {
      NODE_OPTIONS: `--import=${pathToFileURL(SWAP_HOOK).href}`,
      SWAP_DIR: dir,
      SWAP_TO: to
    }
  });
}

describe('a link swapped in after the check cannot redirect a write', () => {
  test('suggest --write: .amlignore lands in the folder checked, nothing outside', () => {
    const d = folder({ 'nb.ipynb': '{}', 'big/blob.bin': 400 * 1024 * 1024 });
    const away = folder();
    const r = cliWithSwap(['suggest', d, '--write'], d, away);
    // The swap happened: the folder's path is now a link to `away`.
    assert.ok(lstatSync(d).isSymbolicLink());
    assert.deepEqual(readdirSync(away), [], 'nothing written outside');
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      readFileSync(join(`${d}.moved`, '.amlignore'), 'utf8'),
      /^\/big\/$/m
    );
    assert.deepEqual(readdirSync(`${d}.moved`).sort(), [
      '.amlignore',
      'big',
      'nb.ipynb'
    ]);
  });

  test("pack: the zip's folder swapped for a link into the packed folder", () => {
    const d = folder({ 'nb.ipynb': '{}', 'a.txt': 'a' });
    const out = folder();
    const before = readdirSync(d).sort();
    const r = cliWithSwap(['pack', d, '-o', join(out, 'snap.zip')], out, d);
    assert.ok(lstatSync(out).isSymbolicLink());
    assert.deepEqual(readdirSync(d).sort(), before, 'nothing written into d');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readdirSync(`${out}.moved`), ['snap.zip']);
    const test = spawnSync('unzip', ['-Z1', join(`${out}.moved`, 'snap.zip')], {
      encoding: 'utf8'
    });
    assert.deepEqual(test.stdout.split('\n').filter(Boolean).sort(), [
      'a.txt',
      'nb.ipynb'
    ]);
  });
});

describe('bin/snapshot-guard.js', () => {
  /**
   * A checkout in miniature: the real bin, and a bundle and compiled
   * modules that say which of them ran; `times` in seconds since 1970.
   */
  function whichRuns(times: { bundle?: number; buildInfo?: number }): string {
    const dir = folder({ 'package.json': '{"type": "module"}' });
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'snapshot-guard.js'), readFileSync(CLI));
    const says = (what: string) =>
      `export async function main() { process.stdout.write('${what}'); return 0; }\n`;
    mkdirSync(join(dir, 'lib', 'node'), { recursive: true });
    writeFileSync(join(dir, 'lib', 'node', 'cli.js'), says('modules'));
    if (times.bundle !== undefined) {
      const bundle = join(dir, 'lib', 'bundle', 'cli.js');
      mkdirSync(join(dir, 'lib', 'bundle'));
      writeFileSync(bundle, says('bundle'));
      utimesSync(bundle, times.bundle, times.bundle);
    }
    if (times.buildInfo !== undefined) {
      const info = join(dir, 'tsconfig.tsbuildinfo');
      writeFileSync(info, '{}');
      utimesSync(info, times.buildInfo, times.buildInfo);
    }
    const r = spawnSync(
      process.execPath,
      [join(dir, 'bin', 'snapshot-guard.js')],
      {
        encoding: 'utf8'
      }
    );
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  }

  test('runs the bundle made after the last compile', () => {
    assert.equal(whichRuns({ bundle: 2000, buildInfo: 1000 }), 'bundle');
  });

  test('runs the compiled modules when tsc compiled after the bundle was made (tsc by hand)', () => {
    assert.equal(whichRuns({ bundle: 1000, buildInfo: 2000 }), 'modules');
  });

  test('an installed package (no build info) runs its bundle; without a bundle, the modules', () => {
    assert.equal(whichRuns({ bundle: 1000 }), 'bundle');
    assert.equal(whichRuns({ buildInfo: 1000 }), 'modules');
  });
});
