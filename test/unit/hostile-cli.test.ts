// Issue #9: hostile folders against the snapshot-guard command line. Each
// test failed before its fix (see the commit that added it).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  symlinkSync,
  writeFileSync
} from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { sharedTree } from '../helpers/other-user.js';
import { CLI, ROOT, cli, tempFolders } from '../helpers/tree.js';

const { folder, track } = tempFolders('sg-hostile-cli-');

/** The CLI with raw bytes out, killed after 30 s (a hang fails the test). */
function raw(args: (string | Buffer)[]) {
  const r = spawnSync(process.execPath, [CLI, ...(args as string[])], {
    cwd: ROOT,
    timeout: 30_000,
    maxBuffer: 64 * 1024 * 1024
  });
  assert.equal(r.error, undefined, `the CLI did not finish: ${r.error}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Python's own view (os.walk over bytes) as the independent reference. */
function pythonWalk(d: string): { files: number; bytes: number } {
  const r = spawnSync(
    '/usr/bin/python3',
    [
      '-c',
      String.raw`
import os, sys, json
files = size = 0
for top, ds, fs in os.walk(os.fsencode(sys.argv[1])):
    for f in fs:
        files += 1
        size += os.lstat(os.path.join(top, f)).st_size
print(json.dumps({'files': files, 'bytes': size}))
`,
      d
    ],
    { encoding: 'utf8' }
  );
  return JSON.parse(r.stdout);
}

/** A name that is not valid UTF-8, as bytes under folder `d`. */
function rawPath(d: string, ...parts: (string | Buffer)[]): Buffer {
  return Buffer.concat(
    [Buffer.from(d), ...parts].flatMap((p, i) => [
      ...(i > 0 ? [Buffer.from('/')] : []),
      Buffer.isBuffer(p) ? p : Buffer.from(p)
    ])
  );
}

describe('names that are not valid UTF-8 (#1)', () => {
  function hostile(): string {
    const d = folder({ 'nb.ipynb': '{}', 'ok.txt': 'fine' });
    writeFileSync(
      rawPath(d, Buffer.from('bad\xff.txt', 'latin1')),
      'x'.repeat(5000)
    );
    const sub = rawPath(d, Buffer.from('d\xe9j\xe0', 'latin1'));
    mkdirSync(sub);
    writeFileSync(
      Buffer.concat([sub, Buffer.from('/a.bin')]),
      Buffer.alloc(3000)
    );
    // A truncated sequence, then valid UTF-8: both bytes escaped, é kept.
    writeFileSync(
      Buffer.concat([
        sub,
        Buffer.from('/\xe2\x82-', 'latin1'),
        Buffer.from('é.txt')
      ]),
      'y'
    );
    return d;
  }

  test('check counts every file as Python does', () => {
    const d = hostile();
    const ref = pythonWalk(d);
    const r = raw(['check', d, '--json']);
    assert.equal(r.status, 0, r.stderr.toString());
    const j = JSON.parse(r.stdout.toString());
    assert.equal(j.fileCount, ref.files);
    assert.equal(j.totalBytes, ref.bytes);
    assert.deepEqual(j.warnings, []);
  });

  test('ls escapes them; ls -z gives their exact bytes', () => {
    const d = hostile();
    const r = raw(['ls', d]);
    assert.deepEqual(
      r.stdout.toString('latin1').split('\n').filter(Boolean).sort(),
      [
        '"bad\\xff.txt"',
        '"d\\xe9j\\xe0/\\xe2\\x82-é.txt"'.replace('é', '\xc3\xa9'),
        '"d\\xe9j\\xe0/a.bin"',
        'nb.ipynb',
        'ok.txt'
      ].sort()
    );
    const z = raw(['ls', d, '-z']);
    const names = z.stdout
      .toString('latin1')
      .split('\0')
      .filter(Boolean)
      .sort();
    assert.deepEqual(
      names,
      [
        'bad\xff.txt',
        'd\xe9j\xe0/\xe2\x82-\xc3\xa9.txt',
        'd\xe9j\xe0/a.bin',
        'nb.ipynb',
        'ok.txt'
      ].sort()
    );
  });

  test('pack stores them under their exact bytes, once, with their content', () => {
    const d = hostile();
    const out = folder();
    const zip = join(out, 'snap.zip');
    const r = raw(['pack', d, '-o', zip]);
    assert.equal(r.status, 0, r.stderr.toString());
    assert.doesNotMatch(r.stderr.toString(), /warning/);
    // zipfile reads names without the UTF-8 flag as cp437: encoding them
    // back gives the stored bytes.
    const p = spawnSync(
      '/usr/bin/python3',
      [
        '-c',
        String.raw`
import zipfile, sys, json
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
out = {}
for i in z.infolist():
    raw = i.filename.encode('utf-8' if i.flag_bits & 0x800 else 'cp437')
    out[raw.hex()] = len(z.read(i))
print(json.dumps(out))
`,
        zip
      ],
      { encoding: 'utf8' }
    );
    assert.equal(p.status, 0, p.stderr);
    const hex = (s: string) => Buffer.from(s, 'latin1').toString('hex');
    assert.deepEqual(JSON.parse(p.stdout), {
      [hex('bad\xff.txt')]: 5000,
      [hex('d\xe9j\xe0/\xe2\x82-\xc3\xa9.txt')]: 1,
      [hex('d\xe9j\xe0/a.bin')]: 3000,
      [hex('nb.ipynb')]: 2,
      [hex('ok.txt')]: 4
    });
  });
});

describe('terminal escapes in names (#7)', () => {
  const ESC = '\x1b';
  test('check, ls, why and warnings never print a control character', () => {
    const d = folder({
      [`${ESC}]0;pwned\x07title.bin`]: 2000,
      [`red${ESC}[31m/x.txt`]: 'x',
      'nb.ipynb': '{}'
    });
    symlinkSync(`nowhere${ESC}[2J`, join(d, `dang${ESC}[1m`));
    writeFileSync(join(d, '.amlignore'), `red${ESC}[31m/\n`);
    const outputs = [
      raw(['check', d]),
      raw(['ls', d]),
      raw(['why', d, `red${ESC}[31m/x.txt`]),
      raw(['suggest', d, '--max-bytes', '100'])
    ];
    for (const r of outputs) {
      const all = Buffer.concat([r.stdout, r.stderr]).toString();
      // eslint-disable-next-line no-control-regex
      assert.doesNotMatch(all, /[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]/, all);
    }
    assert.match(outputs[0].stdout.toString(), /pwned\\x07title\.bin"/);
    assert.match(
      outputs[0].stdout.toString(),
      /"dang\\x1b\[1m": link target nowhere\\x1b\[2J/
    );
    assert.match(
      outputs[2].stdout.toString(),
      /^"red\\x1b\[31m\/x\.txt": not uploaded by azureml-core: excluded by \.amlignore line 1 `red\\x1b\[31m\/`/
    );
  });
});

describe('suggest --write (#5, #6, #8, #11)', () => {
  const over = () => ({ 'nb.ipynb': '{}', 'data/big.bin': 4000 });

  test('refuses a symlinked .amlignore and leaves the link and its target', () => {
    const d = folder(over());
    const shared = folder({ amlignore: '# shared\n' });
    symlinkSync(join(shared, 'amlignore'), join(d, '.amlignore'));
    const r = raw(['suggest', d, '--max-bytes', '1000', '--write']);
    assert.equal(r.status, 2, r.stdout.toString());
    assert.match(r.stderr.toString(), /\.amlignore is a link/);
    assert.ok(lstatSync(join(d, '.amlignore')).isSymbolicLink());
    assert.equal(
      readlinkSync(join(d, '.amlignore')),
      join(shared, 'amlignore')
    );
    assert.equal(readFileSync(join(shared, 'amlignore'), 'utf8'), '# shared\n');
  });

  test('a FIFO .amlignore does not hang check or suggest --write', () => {
    const d = folder(over());
    spawnSync('mkfifo', [join(d, '.amlignore')]);
    // The check does not read it (not a regular file: a warning) and does
    // not hang; the SDKs fail on a FIFO they list (spec 3.1), so exit 2.
    const c = raw(['check', d]);
    assert.equal(c.status, 2, c.stderr.toString());
    assert.match(
      c.stdout.toString(),
      /\.amlignore: \.amlignore is not a readable file/
    );
    assert.match(c.stdout.toString(), /would fail \(1\):\n {2}\.amlignore: /);
    const r = raw(['suggest', d, '--max-bytes', '1000', '--write']);
    assert.equal(r.status, 2);
    assert.match(r.stderr.toString(), /\.amlignore is not a regular file/);
    assert.ok(lstatSync(join(d, '.amlignore')).isFIFO());
  });

  test('a write refused for permission says "cannot write"', () => {
    // Readable by the other user whatever the umask; only the folder is
    // made read-only.
    const d = sharedTree(over(), 'sg-hostile-cli-');
    track(d);
    chmodSync(d, 0o555);
    const r = cli(['suggest', d, '--max-bytes', '1000', '--write'], {
      asOtherUser: true
    });
    chmodSync(d, 0o755);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /cannot write .*\.amlignore.*: permission denied/);
    assert.doesNotMatch(r.stderr, /cannot read/);
    assert.deepEqual(readdirSync(d).sort(), ['data', 'nb.ipynb']);
  });
});

describe('temporary names (#10)', () => {
  test('pack writes a zip whose name is 255 bytes long', () => {
    const d = folder({ 'a.txt': 'a' });
    const out = folder();
    const zip = join(out, `${'z'.repeat(251)}.zip`);
    const r = raw(['pack', d, '-o', zip]);
    assert.equal(r.status, 0, r.stderr.toString());
    assert.ok(lstatSync(zip).size > 0);
    assert.deepEqual(readdirSync(out), [`${'z'.repeat(251)}.zip`]);
  });
});
