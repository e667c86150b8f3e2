// Issue #9: hostile folders against the helper kernel's Python side. Each
// test failed before its fix (see the commit that added it).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  symlinkSync,
  writeFileSync
} from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { tempFolders } from '../helpers/tree.js';
import { dyingCopy, PYTHON, py } from '../helpers/helper-driver.js';
import { scanListing } from '../../src/kernel/listing-measure.js';
import { resolveLimits } from '../../src/snapshot/limits.js';
import { reportOf } from '../../src/snapshot/scan.js';
import { MAX_FOLDER_REPEATS } from '../../src/snapshot/walk.js';
import { sharedTree } from '../helpers/other-user.js';

const { folder, track } = tempFolders('sg-hostile-');

const sha256 = (data: string | Buffer) =>
  createHash('sha256').update(data).digest('hex');

describe('helper.py: writes never leave the root (#4)', () => {
  test('a link inside the root gives no write, create or delete access outside it', () => {
    const d = folder({ 'nb/run.ipynb': '{}' });
    const outside = folder({ 'victim.txt': 'precious\n', '.amlignore': 'x\n' });
    symlinkSync(outside, join(d, 'outlink'));
    // rootlink -> / reaches the outside folder by its absolute path.
    symlinkSync('/', join(d, 'rootlink'));
    const viaRoot = `rootlink${outside}`;
    const out = py(
      d,
      String.raw`
outside = ${JSON.stringify(outside)}
out['amlignore'] = call('write_atomic', path='outlink/.amlignore', text='y\n', expect=${JSON.stringify(sha256('x\n'))})
out['create'] = call('write_atomic', path=${JSON.stringify(`${viaRoot}/new.txt`)}, text='x', expect=None)
out['mkdir'] = call('mkdir_unique', parent='outlink', base='clean')
out['upload'] = call('upload_begin', path='outlink/z.zip', outside='nb')
out['discard'] = call('upload_discard', partial='outlink/.sg-upload-1-0123abcd.part')
open(os.path.join(outside, '.sg-upload-1-0123abcd.part'), 'w').write('not ours')
out['discard2'] = call('upload_discard', partial='outlink/.sg-upload-1-0123abcd.part')
# A folder the helper made, swapped for a link to the outside folder.
c = call('mkdir_unique', parent='nb', base='clean')['result']
call('copy_files', pairs=[{'src': 'nb/run.ipynb', 'dst': c + '/run.ipynb'}])
out['swapped'] = c
os.rename(os.path.join(ROOT, c), os.path.join(ROOT, 'nb', 'moved'))
os.symlink(outside, os.path.join(ROOT, c))
open(os.path.join(outside, 'run.ipynb'), 'w').write('outside file')
out['copy'] = call('copy_files', pairs=[{'src': 'nb/run.ipynb', 'dst': c + '/again.ipynb'}])
out['remove'] = call('remove_created', paths=[c + '/run.ipynb'])
# Reads through a link that points outside stay possible (Azure ML
# uploads link targets; the walk warns about them).
out['read'] = call('read', path='outlink/victim.txt')
`
    );
    for (const k of ['amlignore', 'create', 'mkdir', 'upload', 'copy']) {
      assert.equal(out[k].ok, false, `${k}: ${JSON.stringify(out[k])}`);
      assert.equal(out[k].error.type, 'OutsideRoot', k);
    }
    assert.equal(out.discard.ok, false);
    assert.equal(out.discard2.ok, false);
    assert.equal(readFileSync(join(outside, '.amlignore'), 'utf8'), 'x\n');
    assert.ok(!existsSync(join(outside, 'new.txt')));
    assert.ok(!existsSync(join(outside, 'clean')));
    assert.ok(!existsSync(join(outside, 'again.ipynb')));
    assert.ok(existsSync(join(outside, '.sg-upload-1-0123abcd.part')));
    assert.equal(
      readFileSync(join(outside, 'run.ipynb'), 'utf8'),
      'outside file'
    );
    assert.deepEqual(
      readdirSync(outside)
        .filter(n => !n.startsWith('.'))
        .sort(),
      ['run.ipynb', 'victim.txt']
    );
    assert.equal(out.remove.result.removed.length, 0);
    assert.equal(out.read.ok, true);
    assert.equal(
      Buffer.from(out.read.buffers[0], 'hex').toString(),
      'precious\n'
    );
  });
});

describe('helper.py: upload_commit keeps the folder it checked (suspected)', () => {
  test("a link swapped in for the zip's folder after upload_begin does not redirect it", () => {
    const d = folder({ 'nb/run.ipynb': '{}', 'out/keep.txt': 'k' });
    const away = folder({});
    const out = py(
      d,
      String.raw`
u = call('upload_begin', path='out/z.zip', outside='nb')['result']
os.write(h.uploads[u['token']]['fd'], b'zip bytes')
os.rename(os.path.join(ROOT, 'out'), os.path.join(ROOT, 'out-moved'))
os.symlink(${JSON.stringify(away)}, os.path.join(ROOT, 'out'))
out['c'] = call('upload_commit', token=u['token'], overwrite=False)
`
    );
    assert.equal(out.c.ok, true, JSON.stringify(out.c));
    assert.deepEqual(readdirSync(away), []);
    assert.equal(
      readFileSync(join(d, 'out-moved', 'z.zip'), 'utf8'),
      'zip bytes'
    );
  });
});

describe('helper.py: the changed-on-disk check (#5)', () => {
  test('an edit that lands after the temporary file is written is not lost', () => {
    const d = folder({ '.amlignore': 'old\n' });
    const out = py(
      d,
      String.raw`
def edit():
    with open(os.path.join(ROOT, '.amlignore'), 'a') as f:
        f.write('user edit\n')
helper._before_commit = edit
out['w'] = call('write_atomic', path='.amlignore', text='ours\n', expect=${JSON.stringify(sha256('old\n'))})
`
    );
    assert.equal(out.w.ok, false);
    assert.equal(out.w.error.type, 'Changed');
    assert.equal(
      readFileSync(join(d, '.amlignore'), 'utf8'),
      'old\nuser edit\n'
    );
    assert.deepEqual(readdirSync(d), ['.amlignore']);
  });

  test('a file created after the check is not overwritten', () => {
    const d = folder({});
    const out = py(
      d,
      String.raw`
helper._before_commit = lambda: open(os.path.join(ROOT, '.amlignore'), 'w').write('theirs\n')
out['w'] = call('write_atomic', path='.amlignore', text='ours\n', expect=None)
`
    );
    assert.equal(out.w.error.type, 'Changed');
    assert.equal(readFileSync(join(d, '.amlignore'), 'utf8'), 'theirs\n');
  });
});

describe('helper.py: killed while writing .amlignore (#9 load)', () => {
  for (const [what, files, expect] of [
    ['a new .amlignore', {}, 'None'],
    [
      'a replaced .amlignore',
      { '.amlignore': 'old\n' },
      JSON.stringify(sha256('old\n'))
    ]
  ] as const) {
    test(`${what}: a kill before it lands leaves the folder as it was`, () => {
      const d = folder({ 'nb.ipynb': '{}', ...files });
      // The process dies at once (no clean-up runs), as under SIGKILL.
      py(
        d,
        String.raw`
helper._before_commit = lambda: os._exit(9)
call('write_atomic', path='.amlignore', text='ours\n', expect=${expect})
`,
        { status: 9 }
      );
      assert.deepEqual(
        readdirSync(d).sort(),
        Object.keys({ 'nb.ipynb': 1, ...files }).sort()
      );
      if ('.amlignore' in files) {
        assert.equal(readFileSync(join(d, '.amlignore'), 'utf8'), 'old\n');
      }
    });
  }
});

describe('helper.py: never blocks on a FIFO (#6)', () => {
  test('read, stat with hash, copy_files and write_atomic answer at once', () => {
    const d = folder({ 'nb/run.ipynb': '{}' });
    spawnSync('mkfifo', [join(d, 'nb', 'pipe')]);
    spawnSync('mkfifo', [join(d, 'nb', '.amlignore')]);
    const out = py(
      d,
      String.raw`
out['read'] = call('read', path='nb/pipe')
out['stat'] = call('stat', path='nb/pipe', hash=True)
c = call('mkdir_unique', parent='nb', base='clean')['result']
out['copy'] = call('copy_files', pairs=[{'src': 'nb/pipe', 'dst': c + '/pipe'}])
out['write'] = call('write_atomic', path='nb/.amlignore', text='x', expect='0' * 64)
out['ping'] = call('ping')
`,
      { timeout: 20_000 }
    );
    assert.equal(out.read.error.type, 'NotAFile');
    assert.equal(out.stat.ok, true);
    assert.equal(out.stat.result.kind, 'other');
    assert.equal(out.copy.error.type, 'CopyFailed');
    assert.equal(out.write.error.type, 'NotAFile');
    assert.equal(out.ping.ok, true);
  });
});

describe('helper.py: temporary names fit in 255 bytes (#10)', () => {
  test('write_atomic and an overwriting upload of a 250-byte name', () => {
    const d = folder({ 'nb/run.ipynb': '{}' });
    const long = `${'z'.repeat(246)}.zip`;
    writeFileSync(join(d, long), 'old zip');
    writeFileSync(join(d, `${'a'.repeat(250)}`), 'old');
    const out = py(
      d,
      String.raw`
out['w'] = call('write_atomic', path=${JSON.stringify('a'.repeat(250))}, text='new', expect=${JSON.stringify(sha256('old'))})
u = call('upload_begin', path=${JSON.stringify(long)}, outside='nb')['result']
h.uploads[u['token']]['fd']
os.write(h.uploads[u['token']]['fd'], b'new zip')
out['c'] = call('upload_commit', token=u['token'], overwrite=True)
`
    );
    assert.equal(out.w.ok, true, JSON.stringify(out.w));
    assert.equal(readFileSync(join(d, 'a'.repeat(250)), 'utf8'), 'new');
    assert.equal(out.c.ok, true, JSON.stringify(out.c));
    assert.equal(readFileSync(join(d, long), 'utf8'), 'new zip');
  });
});

describe('helper.py: minor (#12)', () => {
  test('a lone surrogate in text is a BadRequest', () => {
    const d = folder({});
    const out = py(
      d,
      "out['w'] = call('write_atomic', path='x.txt', text='a\\udcff', expect=None)"
    );
    assert.equal(out.w.error.type, 'BadRequest');
    assert.ok(!existsSync(join(d, 'x.txt')));
  });

  test('remove_created keeps a file the user replaced at the same path', () => {
    const d = folder({ 'nb/run.ipynb': '{}' });
    const out = py(
      d,
      String.raw`
c = call('mkdir_unique', parent='nb', base='clean')['result']
call('copy_files', pairs=[{'src': 'nb/run.ipynb', 'dst': c + '/run.ipynb'}])
p = os.path.join(ROOT, c, 'run.ipynb')
os.unlink(p)
open(p, 'w').write('the user saved this')
out['r'] = call('remove_created', paths=[c + '/run.ipynb', c])
`
    );
    assert.deepEqual(out.r.result.removed, []);
    assert.equal(
      readFileSync(join(d, 'nb', 'clean', 'run.ipynb'), 'utf8'),
      'the user saved this'
    );
    assert.match(JSON.stringify(out.r.result.kept), /replaced/);
  });
});

describe('helper.py: a copy interrupted by a dying kernel (#2)', () => {
  function killedCopy(d: string) {
    // The kernel dies while data.bin is being written: os._exit, like
    // SIGKILL, runs no cleanup at all.
    py(
      d,
      dyingCopy(
        'nb',
        'clean',
        [
          ['nb/run.ipynb', 'run.ipynb'],
          ['nb/util.py', 'sub/util.py'],
          ['nb/data.bin', 'data.bin']
        ],
        3
      ),
      { status: 9 }
    );
  }

  test('no truncated file under a final name; a visible marker; a new helper removes it all', () => {
    const d = folder({
      'nb/run.ipynb': '{}',
      'nb/util.py': 'X = 1\n',
      'nb/data.bin': 'd'.repeat(100_000)
    });
    killedCopy(d);
    const c = join(d, 'nb', 'clean');
    // Nothing incomplete under a final name.
    assert.ok(!existsSync(join(c, 'data.bin')));
    assert.equal(readFileSync(join(c, 'run.ipynb'), 'utf8'), '{}');
    const marker = readdirSync(c).find(
      n => !n.startsWith('.') && /INCOMPLETE/.test(n)
    );
    assert.ok(marker, `a visible marker in ${readdirSync(c)}`);
    // The user drops a file of their own into the folder meanwhile.
    writeFileSync(join(c, 'mine.txt'), 'keep me');
    const out = py(
      d,
      String.raw`
out['inc'] = call('find_incomplete', path='nb')
out['r'] = call('remove_created', paths=['nb/clean/run.ipynb', 'nb/clean/sub/util.py', 'nb/clean/data.bin', 'nb/clean/sub', 'nb/clean'])
`
    );
    assert.deepEqual(
      out.inc.result.map((x: any) => x.folder),
      ['nb/clean']
    );
    assert.ok(out.r.ok, JSON.stringify(out.r));
    assert.deepEqual(readdirSync(c), ['mine.txt']);
    assert.deepEqual(
      out.r.result.kept.map((k: any) => k.path),
      ['nb/clean']
    );
    assert.deepEqual(out.r.result.left, ['nb/clean/mine.txt']);
  });

  test('a renamed-in user file is never taken for the copy', () => {
    const d = folder({
      'nb/run.ipynb': '{}',
      'nb/util.py': 'X = 1\n',
      'nb/data.bin': 'd'.repeat(100_000)
    });
    killedCopy(d);
    const c = join(d, 'nb', 'clean');
    // The user replaces the copied notebook with their own file.
    writeFileSync(join(d, 'replacement'), 'user');
    renameSync(join(d, 'replacement'), join(c, 'run.ipynb'));
    const out = py(
      d,
      "out['r'] = call('discard_incomplete', folder='nb/clean')"
    );
    assert.equal(readFileSync(join(c, 'run.ipynb'), 'utf8'), 'user');
    assert.deepEqual(out.r.result.left, ['nb/clean/run.ipynb']);
    assert.ok(lstatSync(c).isDirectory());
  });
});

describe('helper.py: link DAGs (#9)', () => {
  /** l0/f.txt; l(k)/a -> ../l(k-1) and l(k)/b -> ../l(k-1): 2^depth paths to f.txt. */
  function dag(depth: number): string {
    const d = folder({ 'l0/f.txt': 'x' });
    for (let k = 1; k <= depth; k++) {
      mkdirSync(join(d, `l${k}`));
      symlinkSync(`../l${k - 1}`, join(d, `l${k}`, 'a'));
      symlinkSync(`../l${k - 1}`, join(d, `l${k}`, 'b'));
    }
    return d;
  }

  /** The engine over a listing alone: a folder it lacks fails the test. */
  const noFallback = {
    list: async (p: string) => assert.fail(`not in the listing: ${p}`),
    read: async (p: string) => assert.fail(`read ${p}`)
  };

  test('doubled links 16 deep: bounded listing; the engine still warns', async () => {
    const d = dag(16);
    // A hang guard only: before the fix the walk listed 2^17 folders.
    const { w } = py(d, "out['w'] = h.op_walk('')", { timeout: 60_000 });
    // By hand: the root and l0..l16 are the real folders; then as many
    // repeats as the engine walks, the rest named by their first path.
    assert.equal(Object.keys(w.dirs).length, 18 + MAX_FOLDER_REPEATS);
    const aliases = Object.entries<string>(w.aliases);
    assert.ok(aliases.length > 0);
    for (const [, first] of aliases) {
      assert.ok(first in w.dirs, first);
    }
    const scan = await scanListing(w, noFallback);
    assert.equal(scan.walkComplete, false);
    assert.ok(scan.warnings.some(x => x.kind === 'link-blowup'));
  });

  test('a small DAG: the engine over the listing walks every path os.walk does', async () => {
    const d = dag(3);
    writeFileSync(join(d, 'l1', 'g.txt'), 'yy');
    // Independent reference: os.walk(followlinks=True), as the SDKs walk.
    const r = spawnSync(
      PYTHON,
      [
        '-c',
        String.raw`
import os, sys, json
root = sys.argv[1]
out = []
for top, ds, fs in os.walk(root, followlinks=True):
    out += [os.path.relpath(os.path.join(top, f), root) for f in fs]
print(json.dumps(sorted(out)))
`,
        d
      ],
      { encoding: 'utf8' }
    );
    assert.equal(r.status, 0, r.stderr);
    const expected: string[] = JSON.parse(r.stdout);
    // By hand: f.txt by 1+2+4+8 paths (l0..l3), g.txt by 1+2+4 (l1..l3).
    assert.equal(expected.length, 22);
    const { w } = py(d, "out['w'] = h.op_walk('')");
    const scan = await scanListing(w, noFallback);
    assert.deepEqual(scan.files.map(f => f.path).sort(), expected);
    assert.equal(scan.walkComplete, true);
  });
});

describe('helper.py: unreadable files (#3)', () => {
  test('marked in the walk as os.access says; v1 leaves them out with a warning', () => {
    const d = sharedTree({
      'a.py': 'abc',
      'secret.bin': 1000,
      'sub/s2.bin': 10
    });
    track(d);
    chmodSync(join(d, 'secret.bin'), 0o000);
    symlinkSync('secret.bin', join(d, 'via-link.bin'));
    // Run as a user without root's rights; os.access is the reference.
    const out = py(
      d,
      String.raw`
out['w'] = h.op_walk('')
out['ref'] = {n: os.access(os.path.join(ROOT, n), os.R_OK) for n in ('a.py', 'secret.bin', 'via-link.bin')}
`,
      { asOtherUser: true }
    );
    chmodSync(join(d, 'secret.bin'), 0o644);
    const byName = new Map<string, any>(
      out.w.dirs[''].map((e: any) => [e.name, e])
    );
    for (const [name, readable] of Object.entries(out.ref)) {
      assert.equal(byName.get(name).readable !== false, readable, name);
    }
    assert.deepEqual(out.ref, {
      'a.py': true,
      'secret.bin': false,
      'via-link.bin': false
    });
    return scanListing(out.w, {
      list: async p => assert.fail(`list ${p}`),
      read: async p => assert.fail(`read ${p}`)
    }).then(scan => {
      const r = reportOf(scan, resolveLimits('azureml-v1'));
      const warned = r.warnings
        .filter(w => w.kind === 'unreadable')
        .map(w => w.path)
        .sort();
      assert.deepEqual(warned, ['secret.bin', 'via-link.bin']);
    });
  });
});
