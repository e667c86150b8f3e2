// The helper kernel's Python side (src/kernel/helper.py), run for real:
// first imported as a module by small driver scripts, then inside a real
// ipykernel spoken to over the comm protocol with jupyter_client.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync
} from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { NodeFileSystem } from '../../src/node/node-fs.js';
import { HELPER_SOURCE } from '../../src/kernel/helper-source.js';
import { asOtherUser, sharedTempDir } from '../helpers/other-user.js';
import {
  DEBIAN_PYTHON,
  IPython,
  canImport,
  helperPythons
} from '../helpers/pythons.js';
import { extractDebianPackage } from '../helpers/debian.js';
import { PRELUDE } from '../helpers/helper-driver.js';
import { ROOT, cleanup, makeTree, tempDir } from '../helpers/tree.js';

const PYTHON = DEBIAN_PYTHON;
// The interpreter of the suite running now (set by each suite's before()).
let interpreter: IPython = {
  label: 'Debian',
  path: PYTHON,
  version: '3',
  missing: null
};
const PYTHONS = helperPythons();
const HELPER = join(ROOT, 'src', 'kernel', 'helper.py');

const dirs: string[] = [];
function folder(files: Record<string, string | number> = {}): string {
  const d = tempDir('sg-helper-');
  dirs.push(d);
  makeTree(d, files);
  return d;
}
after(() => dirs.forEach(cleanup));

const sha256 = (data: string | Buffer) =>
  createHash('sha256').update(data).digest('hex');

interface IPyOptions {
  /**
   * Run as a user without root's rights (see other-user.ts); the driver,
   * `helperDir` and the tree must then be in folders that user can enter.
   */
  asOtherUser?: boolean;
  helperDir?: string;
}

/** Run a snippet after PRELUDE with `root` as argv[1]; its `out`. */
function py(root: string, snippet: string, opts: IPyOptions = {}): any {
  const work = opts.asOtherUser
    ? sharedTempDir('sg-driver-')
    : tempDir('sg-driver-');
  dirs.push(work);
  const script = join(work, 'driver.py');
  writeFileSync(script, `${PRELUDE}\n${snippet}\nprint(json.dumps(out))\n`);
  chmodSync(script, 0o644);
  const argv = [interpreter.path!, script, root];
  const [cmd, args] = opts.asOtherUser
    ? asOtherUser(argv)
    : [interpreter.path!, argv.slice(1)];
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    // The other user may not be able to enter the current folder.
    cwd: '/',
    env: {
      ...process.env,
      SG_HELPER_DIR: opts.helperDir ?? join(ROOT, 'src', 'kernel'),
      PYTHONDONTWRITEBYTECODE: '1'
    },
    maxBuffer: 64 * 1024 * 1024
  });
  if (r.status !== 0) {
    throw new Error(`python failed (${r.status}): ${r.stderr}`);
  }
  return JSON.parse(r.stdout);
}

const byName = (entries: any[]) =>
  [...entries].sort((a, b) => (a.name < b.name ? -1 : 1));

// The module-level tests, once per interpreter: the oldest supported, Debian's
// and the newest available. A missing interpreter is one test saying so.
for (const python of PYTHONS) {
  describe(`helper.py as a module on ${python.label}`, () => {
    if (python.missing) {
      test(`NOT RUN on ${python.label}: ${python.missing}`, t => {
        t.diagnostic(
          `helper.py not tested on ${python.label}: ${python.missing}`
        );
        t.skip(python.missing!);
      });
      return;
    }
    before(() => {
      interpreter = python;
    });
    moduleTests();
  });
}

function moduleTests(): void {
  test('helper-source.ts embeds helper.py exactly', () => {
    assert.equal(
      HELPER_SOURCE,
      readFileSync(HELPER, 'utf8'),
      'run `node scripts/embed-python.js`'
    );
  });

  test('importing it registers nothing and runs no kernel code', () => {
    const out = py(
      folder(),
      "out['ops'] = list(Helper.OPS); out['target'] = helper.TARGET"
    );
    assert.equal(out.target, 'snapshot_guard');
    assert.ok(out.ops.includes('walk'));
  });

  test('paths are confined to the root lexically', () => {
    const d = folder({ 'a/x.txt': 'x' });
    const out = py(
      d,
      String.raw`
bad = ['/etc/passwd', '../x', 'a/../../x', 'a/..', 'a\x00b', '..']
out['read'] = [call('read', path=p) for p in bad]
out['walk'] = [call('walk', path=p) for p in bad]
out['stat'] = call('stat', path='/etc')
out['write'] = call('write_atomic', path='../evil', text='x', expect=None)
out['mkdir_parent'] = call('mkdir_unique', parent='..', base='x')
out['mkdir_base'] = [call('mkdir_unique', parent='', base=b) for b in ['a/b', '..', '', '.']]
out['copy'] = call('copy_files', pairs=[{'src': '/etc/passwd', 'dst': 'a/p'}])
out['remove'] = call('remove_created', paths=['../x'])
out['nonstring'] = call('read', path=5)
out['unknown'] = call('exec', code='print(1)')
out['badargs'] = call('read', path='a/x.txt', evil=1)
out['ok'] = call('read', path='./a//x.txt')
`
    );
    for (const r of [
      ...out.read,
      ...out.walk,
      out.stat,
      out.write,
      out.mkdir_parent,
      ...out.mkdir_base,
      out.copy,
      out.remove,
      out.nonstring
    ]) {
      assert.equal(r.ok, false);
      assert.equal(r.error.type, 'BadPath', JSON.stringify(r));
    }
    assert.match(out.read[0].error.message, /absolute/);
    assert.match(out.read[1].error.message, /'\.\.'/);
    assert.match(out.read[4].error.message, /NUL/);
    assert.equal(out.unknown.error.type, 'BadRequest');
    assert.equal(out.badargs.error.type, 'BadRequest');
    assert.equal(out.ok.ok, true);
    assert.equal(Buffer.from(out.ok.buffers[0], 'hex').toString(), 'x');
    assert.ok(!existsSync(join(d, '..', 'evil')));
  });

  test('walk lists every folder exactly like NodeFileSystem.list()', async () => {
    const outside = folder({ 'o.txt': 'outside!' });
    const d = folder({
      'nb.ipynb': '{}',
      '.amlignore': '*.log\n',
      '.git/HEAD': 'ref: x\n',
      'data/a.csv': 'a,b\n',
      'data/deep/b.bin': 1000,
      'sub/c.txt': 'c'
    });
    symlinkSync('nb.ipynb', join(d, 'link-file'));
    symlinkSync('data', join(d, 'link-dir'));
    symlinkSync(outside, join(d, 'link-out'));
    symlinkSync('..', join(d, 'data', 'up')); // back to the root: a loop
    symlinkSync('missing', join(d, 'dangling'));
    symlinkSync('self', join(d, 'self')); // ELOOP
    spawnSync('mkfifo', [join(d, 'pipe')]);
    const out = py(d, "out['w'] = h.op_walk('')");
    const w = out.w;
    assert.equal(w.root, '');
    const st = statSync(d);
    assert.equal(w.rootId, `${st.dev}:${st.ino}`);
    const node = new NodeFileSystem(d);
    assert.equal(w.rootId, node.rootId);
    assert.deepEqual(Object.keys(w.errors), []);
    assert.deepEqual(Object.keys(w.dirs).sort(), [
      '',
      '.git',
      'data',
      'data/deep',
      'link-dir',
      'link-dir/deep',
      'link-out',
      'sub'
    ]);
    // data/up leads back to the root: listed as an entry, not entered.
    for (const [path, entries] of Object.entries<any[]>(w.dirs)) {
      const expected = byName(await node.list(path));
      const got = byName(entries);
      assert.equal(got.length, expected.length, path);
      got.forEach((e: any, i: number) => {
        const x: any = { ...expected[i] };
        if (x.mtime !== undefined) {
          assert.ok(Math.abs(e.mtime - x.mtime) < 1, `${path}/${e.name} mtime`);
          x.mtime = e.mtime;
        }
        assert.deepEqual(e, x, `${path}/${e.name}`);
      });
    }
    const root = Object.fromEntries(w.dirs[''].map((e: any) => [e.name, e]));
    assert.equal(root['link-out'].link.outside, true);
    assert.equal(root['link-dir'].link.outside, false);
    assert.equal(root['link-file'].kind, 'file');
    assert.equal(root['link-file'].size, 2);
    assert.equal(root.dangling.link.dangling, true);
    assert.equal(root.dangling.error, 'no longer exists');
    assert.equal(root.self.link.loop, true);
    assert.equal(root.pipe.kind, 'other');
    const up = w.dirs.data.find((e: any) => e.name === 'up');
    assert.equal(up.id, w.rootId);
    // 6 real files, link-file, link-dir's 2 and link-out's 1.
    assert.equal(w.files, 10);
  });

  test('walk of a subfolder judges links against it, or against `base`', () => {
    const d = folder({ 'nb/x.py': '', 'shared/s.txt': 's' });
    symlinkSync('../shared', join(d, 'nb', 'sh'));
    const out = py(
      d,
      String.raw`
out['own'] = h.op_walk('nb')
out['based'] = h.op_walk('nb', base='')
out['list'] = h.op_list('nb/sh', base='nb')
out['missing'] = call('walk', path='nope')
out['file'] = call('walk', path='nb/x.py')
out['compressed'] = call('walk', path='nb')
`
    );
    const link = (w: any) => w.dirs[''].find((e: any) => e.name === 'sh').link;
    assert.equal(out.own.root, 'nb');
    assert.equal(link(out.own).outside, true);
    assert.equal(link(out.based).outside, false);
    assert.deepEqual(Object.keys(out.own.dirs).sort(), ['', 'sh']);
    assert.equal(out.list[0].name, 's.txt');
    assert.equal(out.missing.error.type, 'NotFound');
    assert.equal(out.file.error.type, 'NotADirectory');
    const c = out.compressed;
    assert.equal(c.result.encoding, 'zlib-json');
    assert.equal(c.buffers.length, 1);
  });

  test('walk reports progress and stops when cancelled', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 2500; i++) {
      files[`f${i % 5}/${i}.txt`] = '';
    }
    const d = folder(files);
    const out = py(
      d,
      String.raw`
import threading
seen = []
w = h.op_walk('', progress=seen.append)
out['files'] = w['files']
out['seen'] = seen
ev = threading.Event()
def stop(n):
    ev.set()
try:
    h.op_walk('', cancel=ev, progress=stop)
    out['cancelled'] = None
except HelperError as e:
    out['cancelled'] = e.payload()
`
    );
    assert.equal(out.files, 2500);
    assert.ok(out.seen.length >= 2, JSON.stringify(out.seen));
    assert.ok(
      out.seen.every((n: number, i: number) => i === 0 || n > out.seen[i - 1])
    );
    assert.equal(out.cancelled.type, 'Cancelled');
  });

  test('an unreadable subfolder is a listing error, an unreadable root an error', t => {
    if (interpreter.path !== PYTHON) {
      // pyenv's interpreters (and their libpython) live under /root, which
      // the other user cannot enter.
      t.skip(`${interpreter.label} cannot run as another user here`);
      return;
    }
    const d = sharedTempDir('sg-helper-');
    dirs.push(d);
    makeTree(d, { 'ok.txt': 'x', 'locked/secret.txt': 's', 'shut.txt': 'x' });
    // The other user needs to reach the driver, the helper and the tree.
    const helperDir = sharedTempDir('sg-helper-copy-');
    dirs.push(helperDir);
    copyFileSync(HELPER, join(helperDir, 'helper.py'));
    chmodSync(join(helperDir, 'helper.py'), 0o644);
    chmodSync(join(d, 'ok.txt'), 0o644);
    // No rights at all, so that a non-root owner is locked out too.
    chmodSync(join(d, 'locked'), 0o000);
    chmodSync(join(d, 'shut.txt'), 0o000);
    let out: any;
    try {
      out = py(
        d,
        String.raw`
out['w'] = h.op_walk('')
out['root'] = call('walk', path='locked')
out['read'] = call('read', path='shut.txt')
out['readok'] = call('read', path='ok.txt')
`,
        { asOtherUser: true, helperDir }
      );
    } finally {
      chmodSync(join(d, 'locked'), 0o700);
    }
    assert.deepEqual(out.w.errors, { locked: 'permission denied' });
    const locked = out.w.dirs[''].find((e: any) => e.name === 'locked');
    assert.equal(locked.kind, 'dir');
    assert.equal(out.root.error.type, 'PermissionDenied');
    assert.match(out.root.error.message, /locked/);
    assert.equal(out.read.error.type, 'PermissionDenied');
    assert.equal(out.readok.ok, true);
  });

  test('read: ranges, dotfiles, whole-file sha256; stat', () => {
    const d = folder({ '.amlignore': 'outputs/\n', 'big.bin': 'abcdefghij' });
    const out = py(
      d,
      String.raw`
out['dot'] = call('read', path='.amlignore')
out['part'] = call('read', path='big.bin', offset=2, length=3)
out['tail'] = call('read', path='big.bin', offset=7, length=3)
out['exact'] = call('read', path='big.bin', offset=0, length=10)
out['dir'] = call('read', path='')
out['missing'] = call('read', path='nope')
out['neg'] = call('read', path='big.bin', offset=-1)
out['stat'] = call('stat', path='big.bin', hash=True)
out['statdir'] = call('stat', path='')
`
    );
    assert.equal(
      Buffer.from(out.dot.buffers[0], 'hex').toString(),
      'outputs/\n'
    );
    assert.equal(out.dot.result.sha256, sha256('outputs/\n'));
    assert.equal(out.dot.result.eof, true);
    assert.equal(Buffer.from(out.part.buffers[0], 'hex').toString(), 'cde');
    assert.equal(out.part.result.eof, false);
    assert.equal(out.part.result.sha256, undefined);
    assert.equal(out.tail.result.eof, true);
    assert.equal(out.exact.result.eof, true);
    assert.equal(out.exact.result.sha256, sha256('abcdefghij'));
    assert.equal(out.dir.ok, false);
    assert.equal(out.missing.error.type, 'NotFound');
    assert.equal(out.neg.error.type, 'BadRequest');
    assert.deepEqual(
      { ...out.stat.result, mtime: 0 },
      { kind: 'file', size: 10, mtime: 0, sha256: sha256('abcdefghij') }
    );
    assert.equal(out.statdir.result.kind, 'dir');
  });

  test('write_atomic creates, refuses changed files byte for byte, keeps the mode', () => {
    const d = folder({ 'sub/.gitignore': 'x\n' });
    writeFileSync(join(d, 'sub', '.amlignore'), 'old\n');
    chmodSync(join(d, 'sub', '.amlignore'), 0o640);
    utimesSync(join(d, 'sub', '.amlignore'), 1000, 1000);
    symlinkSync('.gitignore', join(d, 'sub', 'linked'));
    const out = py(
      d,
      String.raw`
out['new'] = call('write_atomic', path='.amlignore', text='a\n', expect=None)
out['again'] = call('write_atomic', path='.amlignore', text='b\n', expect=None)
out['stale'] = call('write_atomic', path='sub/.amlignore', text='new\n', expect='0' * 64)
out['gone'] = call('write_atomic', path='sub/none', text='x', expect='0' * 64)
out['link'] = call('write_atomic', path='sub/linked', text='x', expect=None)
out['noparent'] = call('write_atomic', path='nope/.amlignore', text='x', expect=None)
`
    );
    assert.equal(out.new.ok, true);
    assert.deepEqual(out.new.result, {
      path: '.amlignore',
      size: 2,
      sha256: sha256('a\n')
    });
    assert.equal(readFileSync(join(d, '.amlignore'), 'utf8'), 'a\n');
    assert.equal(out.again.error.type, 'Changed');
    assert.equal(readFileSync(join(d, '.amlignore'), 'utf8'), 'a\n');
    assert.equal(out.stale.error.type, 'Changed');
    const kept = statSync(join(d, 'sub', '.amlignore'));
    assert.equal(readFileSync(join(d, 'sub', '.amlignore'), 'utf8'), 'old\n');
    assert.equal(kept.mtimeMs, 1000 * 1000);
    assert.equal(out.gone.error.type, 'Changed');
    assert.ok(!existsSync(join(d, 'sub', 'none')));
    assert.equal(out.link.error.type, 'IsALink');
    assert.equal(readFileSync(join(d, 'sub', '.gitignore'), 'utf8'), 'x\n');
    assert.equal(out.noparent.error.type, 'NotFound');

    const out2 = py(
      d,
      `out['ok'] = call('write_atomic', path='sub/.amlignore', text='new\\n', expect='${sha256('old\n')}')`
    );
    assert.equal(out2.ok.ok, true);
    assert.equal(readFileSync(join(d, 'sub', '.amlignore'), 'utf8'), 'new\n');
    assert.equal(statSync(join(d, 'sub', '.amlignore')).mode & 0o777, 0o640);
    // No temporary file left behind.
    assert.deepEqual(readdirSync(join(d, 'sub')).sort(), [
      '.amlignore',
      '.gitignore',
      'linked'
    ]);
  });

  test('mkdir_unique never reuses an existing name', () => {
    const d = folder({ 'nb/clean/keep.txt': 'k', 'nb/clean-2': 'a file' });
    const out = py(
      d,
      String.raw`
out['a'] = call('mkdir_unique', parent='nb', base='clean')
out['b'] = call('mkdir_unique', parent='nb', base='clean')
out['root'] = call('mkdir_unique', parent='', base='clean')
out['noparent'] = call('mkdir_unique', parent='nope', base='clean')
`
    );
    assert.equal(out.a.result, 'nb/clean-3');
    assert.equal(out.b.result, 'nb/clean-4');
    assert.equal(out.root.result, 'clean');
    assert.equal(out.noparent.error.type, 'NotFound');
    assert.deepEqual(readdirSync(join(d, 'nb', 'clean')), ['keep.txt']);
    assert.ok(statSync(join(d, 'nb', 'clean-3')).isDirectory());
  });

  test('copy_files copies verified, keeps mtimes, and rolls back on failure', () => {
    const d = folder({
      'nb/run.ipynb': '{"cells": []}',
      'nb/util.py': 'X = 1\n',
      'nb/data/d.csv': 'a\n'
    });
    utimesSync(join(d, 'nb', 'run.ipynb'), 2000, 2000);
    const out = py(
      d,
      String.raw`
dst = call('mkdir_unique', parent='nb', base='clean')['result']
out['dst'] = dst
out['ok'] = call('copy_files', pairs=[
    {'src': 'nb/run.ipynb', 'dst': dst + '/run.ipynb'},
    {'src': 'nb/data/d.csv', 'dst': dst + '/data/d.csv'},
])
out['exists'] = call('copy_files', pairs=[{'src': 'nb/util.py', 'dst': dst + '/run.ipynb'}])
out['outside'] = call('copy_files', pairs=[{'src': 'nb/util.py', 'dst': 'nb/util2.py'}])
out['missing'] = call('copy_files', pairs=[
    {'src': 'nb/util.py', 'dst': dst + '/more/util.py'},
    {'src': 'nb/gone.py', 'dst': dst + '/more/gone.py'},
])
out['after_missing'] = sorted(os.listdir(os.path.join(ROOT, dst)))
# A copy that does not match its source is refused and removed.
real = helper._sha256_file
helper._sha256_file = lambda p, **k: '0' * 64
out['verify'] = call('copy_files', pairs=[{'src': 'nb/util.py', 'dst': dst + '/util.py'}])
helper._sha256_file = real
out['after_verify'] = sorted(os.listdir(os.path.join(ROOT, dst)))
`
    );
    const dst = out.dst;
    assert.equal(dst, 'nb/clean');
    assert.deepEqual(out.ok.result, [
      {
        src: 'nb/run.ipynb',
        dst: `${dst}/run.ipynb`,
        size: 13,
        sha256: sha256('{"cells": []}')
      },
      {
        src: 'nb/data/d.csv',
        dst: `${dst}/data/d.csv`,
        size: 2,
        sha256: sha256('a\n')
      }
    ]);
    assert.equal(statSync(join(d, dst, 'run.ipynb')).mtimeMs, 2000 * 1000);
    assert.equal(out.exists.error.type, 'CopyFailed');
    assert.equal(
      readFileSync(join(d, dst, 'run.ipynb'), 'utf8'),
      '{"cells": []}'
    );
    assert.equal(out.outside.error.type, 'BadRequest');
    assert.ok(!existsSync(join(d, 'nb', 'util2.py')));
    assert.equal(out.missing.error.type, 'CopyFailed');
    assert.match(out.missing.error.message, /nb\/gone\.py/);
    assert.equal(out.missing.error.path, 'nb/gone.py');
    // util.py was copied first, then removed with the `more` folder.
    assert.deepEqual(out.after_missing, ['data', 'run.ipynb']);
    assert.equal(out.verify.error.type, 'CopyFailed');
    assert.match(out.verify.error.message, /differs/);
    assert.deepEqual(out.after_verify, ['data', 'run.ipynb']);
  });

  test('remove_created removes what it created: files, then empty folders', () => {
    const d = folder({ 'nb/run.ipynb': '{}', 'user.txt': 'mine' });
    const out = py(
      d,
      String.raw`
a = call('mkdir_unique', parent='nb', base='clean')['result']
b = call('mkdir_unique', parent='nb', base='clean')['result']
call('copy_files', pairs=[{'src': 'nb/run.ipynb', 'dst': a + '/sub/run.ipynb'}])
call('write_atomic', path='.amlignore', text='x', expect=None)
open(os.path.join(ROOT, b, 'user-added.txt'), 'w').write('u')
out['r'] = call('remove_created', paths=[a, a + '/sub', b, a + '/sub/run.ipynb', 'user.txt', 'ghost', '.amlignore'])
out['left'] = sorted(os.listdir(os.path.join(ROOT, 'nb')))
`
    );
    const r = out.r.result;
    assert.deepEqual(r.removed.sort(), [
      '.amlignore',
      'nb/clean',
      'nb/clean/sub',
      'nb/clean/sub/run.ipynb'
    ]);
    assert.deepEqual(r.missing, ['ghost']);
    assert.deepEqual(
      r.kept.sort((x: any, y: any) => (x.path < y.path ? -1 : 1)),
      [
        { path: 'nb/clean-2', reason: 'not empty' },
        { path: 'user.txt', reason: 'not created by the helper' }
      ]
    );
    assert.deepEqual(out.left, ['clean-2', 'run.ipynb']);
    assert.equal(readFileSync(join(d, 'user.txt'), 'utf8'), 'mine');
  });

  test('installed_sdks: what the Python can import, nothing imported', () => {
    // Debian's Python has neither SDK; the test doubles provide both
    // module paths (azureml.core, azure.ai.ml) when put on the path.
    const none = py(folder(), "out['s'] = call('installed_sdks')");
    assert.deepEqual(none.s.result, { v1: false, v2: false });
    const double = join(ROOT, 'test', 'fixtures', 'azure-double');
    const both = py(
      folder(),
      `sys.path.insert(0, ${JSON.stringify(double)})\n` +
        "out['s'] = call('installed_sdks')\n" +
        "out['loaded'] = [m for m in ('azureml.core', 'azure.ai.ml') if m in sys.modules]"
    );
    assert.deepEqual(both.s.result, { v1: true, v2: true });
    assert.deepEqual(both.loaded, []);
  });

  test('ping answers versions', () => {
    const out = py(folder(), "out['p'] = call('ping')");
    assert.equal(out.p.result.protocol, 1);
    // The interpreter's own answer, asked separately.
    assert.equal(out.p.result.versions.python, interpreter.version);
  });
}

// Speaks the comm protocol to a real ipykernel, as JupyterLab would.
const KERNEL_DRIVER = String.raw`
import json, os, subprocess, sys, time, uuid, zlib
from jupyter_client import BlockingKernelClient
from jupyter_client.connect import write_connection_file

root, work, helper_path = sys.argv[1], sys.argv[2], sys.argv[3]
conn = os.path.join(work, 'conn.json')
write_connection_file(conn, ip='127.0.0.1', key=uuid.uuid4().hex.encode())
env = dict(os.environ, PYDEVD_DISABLE_FILE_VALIDATION='1', IPYTHONDIR=os.path.join(work, 'ipython'))
proc = subprocess.Popen([sys.executable, '-m', 'ipykernel_launcher', '-f', conn],
                        cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
out = {}
kc = BlockingKernelClient(connection_file=conn)
kc.load_connection_file()
kc.start_channels()
try:
    # wait_for_ready() needs a heartbeat that has not beaten yet: ask instead.
    kc.kernel_info(reply=True, timeout=60)
    msg_id = kc.execute(open(helper_path).read(), silent=True, store_history=False)
    reply = kc.get_shell_msg(timeout=30)
    out['exec'] = reply['content']['status']
    # store_history=False: the helper did not use up an execution count.
    kc.execute('pass')
    out['count'] = kc.get_shell_msg(timeout=30)['content']['execution_count']
    cid = uuid.uuid4().hex
    kc.shell_channel.send(kc.session.msg('comm_open', {
        'comm_id': cid, 'target_name': 'snapshot_guard', 'data': {'protocol': 1}}))
    inbox = []
    def send(rid, op, args):
        kc.shell_channel.send(kc.session.msg('comm_msg', {
            'comm_id': cid, 'data': {'id': rid, 'op': op, 'args': args}}))
    def wait(rid, timeout=30):
        got = []
        end = time.time() + timeout
        while time.time() < end:
            for m in list(inbox):
                if m[0].get('id') == rid:
                    inbox.remove(m)
                    got.append(m)
                    if 'progress' not in m[0]:
                        return got
            try:
                m = kc.get_iopub_msg(timeout=1)
            except Exception:
                continue
            if m['msg_type'] == 'comm_close':
                got.append(({'closed': True}, []))
                return got
            if m['msg_type'] == 'comm_msg' and m['content']['comm_id'] == cid:
                inbox.append((m['content']['data'], [bytes(b) for b in m.get('buffers') or []]))
        got.append(({'timeout': True}, []))
        return got

    send('p', 'ping', {})
    out['ping'] = wait('p')[-1][0]

    send('w', 'walk', {'path': 'tree'})
    msgs = wait('w')
    out['progress'] = [m[0]['progress'] for m in msgs if 'progress' in m[0]]
    final, bufs = msgs[-1]
    out['walk'] = final
    listing = json.loads(zlib.decompress(bufs[0]))
    out['walk_files'] = listing['files']
    out['walk_dirs'] = len(listing['dirs'])

    send('r', 'read', {'path': '.amlignore'})
    final, bufs = wait('r')[-1]
    out['read'] = final
    out['read_bytes'] = bufs[0].decode()

    # Arguments are data: code in a path is just an odd file name.
    send('x', 'read', {'path': "x'); import os; os.remove('.amlignore'); ('"})
    out['code_as_path'] = wait('x')[-1][0]
    send('b', 'read', {'path': '../etc/passwd'})
    out['escape'] = wait('b')[-1][0]

    send('wa', 'write_atomic', {'path': '.amlignore', 'text': 'new\n', 'expect': None})
    out['write_refused'] = wait('wa')[-1][0]

    # A walk that never ends by itself (links fan out 2^30 ways).
    send('long', 'walk', {'path': 'fan'})
    time.sleep(0.3)
    send('c', 'cancel', {'target': 'long'})
    msgs = wait('long') + wait('c')
    out['cancel_walk'] = [m[0] for m in msgs if m[0].get('id') == 'long' and 'progress' not in m[0]][-1]
    out['cancel_reply'] = [m[0] for m in msgs if m[0].get('id') == 'c'][-1]
    send('p2', 'ping', {})
    out['alive'] = wait('p2')[-1][0].get('ok')
finally:
    kc.stop_channels()
    proc.kill()
    proc.wait()
print(json.dumps(out))
`;

// A real kernel needs ipykernel and pyzmq for that interpreter: Debian's
// are built for Debian's Python only, and PyPI is out of reach here, so on
// other interpreters this says it did not run (unless someone installed them).
for (const python of PYTHONS) {
  describe(`helper.py in a real ipykernel on ${python.label} (comm protocol)`, () => {
    const why =
      python.missing ??
      (canImport(python.path!, ['ipykernel', 'jupyter_client'])
        ? null
        : `${python.label} has no ipykernel/jupyter_client/pyzmq here ` +
          "(no PyPI; Debian's python3-zmq is a binary for Debian's Python)");
    if (why) {
      test(`NOT RUN on ${python.label}: ${why}`, t => {
        t.diagnostic(`helper kernel not tested on ${python.label}: ${why}`);
        t.skip(why);
      });
      return;
    }
    kernelTests(python);
  });
}

/** `module.__version__` as that interpreter reports it. */
function moduleVersion(python: IPython, module: string): string {
  const r = spawnSync(
    python.path!,
    ['-c', `import ${module}; print(${module}.__version__)`],
    { encoding: 'utf8' }
  );
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

function kernelTests(python: IPython): void {
  test('serves ping, walk (compressed, with progress), read, errors and cancel', () => {
    const files: Record<string, string> = { '.amlignore': 'outputs/\n' };
    for (let i = 0; i < 3000; i++) {
      files[`tree/d${i % 7}/${i}.txt`] = 'x';
    }
    const d = folder(files);
    // fan/l0/{a,b} -> l1, l1/{a,b} -> l2, ...: no loop, but 2^30 paths.
    for (let i = 0; i <= 30; i++) {
      mkdirSync(join(d, 'fan', `l${i}`), { recursive: true });
      writeFileSync(join(d, 'fan', `l${i}`, 'f.txt'), '');
    }
    for (let i = 0; i < 30; i++) {
      symlinkSync(`../l${i + 1}`, join(d, 'fan', `l${i}`, 'a'));
      symlinkSync(`../l${i + 1}`, join(d, 'fan', `l${i}`, 'b'));
    }
    const work = tempDir('sg-kernel-');
    dirs.push(work);
    const script = join(work, 'driver.py');
    writeFileSync(script, KERNEL_DRIVER);
    const r = spawnSync(python.path!, [script, d, work, HELPER], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' }
    });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.exec, 'ok');
    assert.equal(out.count, 1);
    assert.equal(out.ping.ok, true);
    assert.equal(
      out.ping.result.versions.ipykernel,
      moduleVersion(python, 'ipykernel')
    );
    assert.equal(out.ping.result.versions.python, python.version);
    assert.equal(out.walk.ok, true);
    assert.equal(out.walk.result.encoding, 'zlib-json');
    assert.equal(out.walk_files, 3000);
    assert.equal(out.walk_dirs, 8);
    assert.ok(out.progress.length >= 1, 'progress messages');
    assert.equal(out.read.ok, true);
    assert.equal(out.read_bytes, 'outputs/\n');
    assert.equal(out.code_as_path.error.type, 'NotFound');
    assert.ok(existsSync(join(d, '.amlignore')));
    assert.equal(out.escape.error.type, 'BadPath');
    assert.equal(out.write_refused.error.type, 'Changed');
    assert.equal(readFileSync(join(d, '.amlignore'), 'utf8'), 'outputs/\n');
    assert.deepEqual(out.cancel_reply, {
      id: 'c',
      ok: true,
      result: { cancelled: true }
    });
    assert.equal(out.cancel_walk.ok, false);
    assert.equal(out.cancel_walk.error.type, 'Cancelled');
    assert.equal(out.alive, true);
  });
}

// The `comm` package branch of helper.py's registration (ipykernel >= 6.18
// leaves comms to it). No such ipykernel exists here (Debian 12 has 6.17),
// so this is a stand-in, and says so: the real `comm` package (Debian's
// python3-comm 0.1.2, extracted, not installed) with `comm.create_comm`
// replaced the way ipykernel >= 6.18 replaces it, by a BaseComm subclass
// whose publish_msg sends to the front end (recorded here instead), and a
// kernel object without `comm_manager`. Messages go through comm's own
// CommManager.comm_open/comm_msg.
const COMM_DRIVER = String.raw`
import json, os, sys
sys.path.insert(0, os.environ['SG_COMM_DIR'])
sys.path.insert(0, os.environ['SG_HELPER_DIR'])
import comm
from comm.base_comm import BaseComm

sent = []

class KernelComm(BaseComm):
    def publish_msg(self, msg_type, data=None, metadata=None, buffers=None, **keys):
        sent.append({'type': msg_type, 'data': data,
                     'buffers': [bytes(b).hex() for b in buffers or []]})

comm.create_comm = KernelComm

class Kernel:
    pass

class Shell:
    kernel = Kernel()

import helper
helper.register(Shell(), root=sys.argv[1])
mgr = comm.get_comm_manager()
out = {'comm': comm.__version__, 'file': comm.__file__, 'targets': sorted(mgr.targets)}
mgr.comm_open(None, None, {'content': {'comm_id': 'c1', 'target_name': 'snapshot_guard', 'data': {}},
                           'metadata': {}, 'buffers': []})
def request(rid, op, **args):
    mgr.comm_msg(None, None, {'content': {'comm_id': 'c1', 'data': {'id': rid, 'op': op, 'args': args}},
                              'metadata': {}, 'buffers': []})
request('p', 'ping')
request('r', 'read', path='a.txt')
request('x', 'read', path='../etc/passwd')
out['sent'] = sent
print(json.dumps(out))
`;

describe('helper.py through the comm package (stand-in for ipykernel >= 6.18)', () => {
  test('registers on comm.get_comm_manager() and answers over comm messages', () => {
    const pkg = extractDebianPackage('python3-comm');
    const commDir = join(pkg, 'usr', 'lib', 'python3', 'dist-packages');
    const d = folder({ 'a.txt': 'hello' });
    const work = tempDir('sg-comm-');
    dirs.push(work);
    const script = join(work, 'driver.py');
    writeFileSync(script, COMM_DRIVER);
    const r = spawnSync(PYTHON, [script, d], {
      encoding: 'utf8',
      env: {
        ...process.env,
        SG_COMM_DIR: commDir,
        SG_HELPER_DIR: join(ROOT, 'src', 'kernel'),
        PYTHONDONTWRITEBYTECODE: '1'
      }
    });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    // The extracted package was used, not some other `comm`.
    assert.equal(out.comm, '0.1.2');
    assert.ok(out.file.startsWith(commDir), out.file);
    assert.deepEqual(out.targets, ['snapshot_guard']);
    assert.deepEqual(
      out.sent.map((m: any) => [m.type, m.data.id, m.data.ok]),
      [
        ['comm_msg', 'p', true],
        ['comm_msg', 'r', true],
        ['comm_msg', 'x', false]
      ]
    );
    assert.equal(out.sent[0].data.result.protocol, 1);
    assert.equal(
      Buffer.from(out.sent[1].buffers[0], 'hex').toString(),
      'hello'
    );
    assert.equal(out.sent[2].data.error.type, 'BadPath');
  });
});
