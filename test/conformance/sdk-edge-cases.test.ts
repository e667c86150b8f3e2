/**
 * What makes an SDK fail, or read an ignore file in its own way, checked on
 * real folders against the same references as sdk-conformance: dangling
 * links, FIFOs, sockets, link loops, invalid patterns, byte-order marks, an
 * ignore file that is not UTF-8, and a file that cannot be read.
 *
 * Each case first pins what the reference says the SDK does (read from the
 * SDK's source: see sdk_reference.py), then compares the engine with it
 * through the command line: exit 2 and the path named where the SDK fails,
 * the same upload list and figures where it does not.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import {
  asOtherUser,
  sharedCli,
  sharedTempDir
} from '../helpers/other-user.js';
import { runCliBatch, type ICliRun } from './cli-batch.js';
import { compare, show } from './sdk-compare.js';
import {
  PROFILE,
  runSdkReference,
  type ISdkRefResult,
  type Sdk
} from './sdk-reference.js';

interface ICase {
  name: string;
  /** Files (path → text), made before `extra`. */
  files: Record<string, string>;
  extra?(root: string): void;
  /** What the SDK's source says: the failure kind, or null for no failure. */
  fails: Record<Sdk, string | null>;
  /** Something the engine must say (warnings or error), per SDK. */
  says?: Partial<Record<Sdk, RegExp>>;
}

const mkfifo = (path: string) => {
  const r = spawnSync('mkfifo', [path]);
  assert.equal(r.status, 0, `mkfifo ${path}: ${r.stderr}`);
};

const CASES: ICase[] = [
  {
    name: 'dangling link, not excluded',
    files: { 'a.py': 'print(1)\n' },
    extra: root => symlinkSync('/nonexistent/data.csv', join(root, 'data.csv')),
    fails: { v1: 'dangling-link', v2: 'dangling-link' }
  },
  {
    name: 'dangling link, excluded',
    files: { 'a.py': 'x\n', '.amlignore': 'data.csv\n' },
    extra: root => symlinkSync('/nonexistent/data.csv', join(root, 'data.csv')),
    fails: { v1: null, v2: null }
  },
  {
    name: 'dangling link inside an excluded folder',
    files: { 'a.py': 'x\n', '.amlignore': 'cache\n', 'cache/x.bin': 'xx' },
    extra: root => symlinkSync('/nonexistent/y', join(root, 'cache/gone')),
    fails: { v1: null, v2: null }
  },
  {
    name: 'FIFO, not excluded',
    files: { 'a.py': 'x\n' },
    extra: root => mkfifo(join(root, 'pipe')),
    fails: { v1: 'fifo', v2: 'fifo' }
  },
  {
    name: 'FIFO, excluded',
    files: { 'a.py': 'x\n', '.amlignore': 'pipe\n' },
    extra: root => mkfifo(join(root, 'pipe')),
    fails: { v1: null, v2: null }
  },
  {
    name: 'socket, not excluded',
    files: { 'a.py': 'x\n' },
    extra: root => {
      const r = spawnSync('/usr/bin/python3', [
        '-c',
        'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])',
        join(root, 'sock')
      ]);
      assert.equal(r.status, 0, String(r.stderr));
    },
    fails: { v1: 'socket', v2: 'socket' }
  },
  {
    name: 'link loop, not excluded',
    files: { 'a.py': 'x\n' },
    extra: root => symlinkSync('.', join(root, 'loop')),
    // azureml-core recurses until the kernel refuses; azure-ai-ml's
    // os.walk(followlinks=True) goes round 40 times, then lists the last
    // link as a file that cannot be read.
    fails: { v1: 'link-loop', v2: 'link-loop' }
  },
  {
    name: 'link loop, excluded',
    files: { 'a.py': 'x\n', '.amlignore': 'loop\n' },
    extra: root => symlinkSync('.', join(root, 'loop')),
    fails: { v1: null, v2: null }
  },
  {
    name: 'invalid pattern (a final backslash)',
    files: { 'a.py': 'x\n', '.amlignore': 'ok.txt\nbad\\\n' },
    fails: { v1: 'invalid-pattern', v2: 'invalid-pattern' },
    says: { v1: /line 2\b/, v2: /line 2\b/ }
  },
  {
    name: 'an escaped final space, then another line',
    files: { 'a.py': 'x\n', 'foo ': 'x', '.amlignore': 'foo\\ \nb.txt\n' },
    // v2 right-strips the line to `foo\`, which its pathspec rejects; v1
    // hands pathspec the line with its newline, so `\ ` is not at the end
    // and pathspec strips it away the same way.
    fails: { v1: 'invalid-pattern', v2: 'invalid-pattern' },
    says: { v1: /line 1\b/, v2: /line 1\b/ }
  },
  {
    name: 'byte-order mark before the first line',
    files: {
      'a.py': 'x\n',
      'build/x.txt': 'xxx',
      '.amlignore': '\ufeffbuild\n*.log\n',
      'b.log': 'l'
    },
    fails: { v1: null, v2: null },
    // v1 reads the mark as part of line 1, which then matches nothing.
    says: { v1: /byte.order mark|BOM/i }
  },
  {
    name: 'ignore file that is not UTF-8',
    files: { 'a.py': 'x\n' },
    extra: root =>
      writeFileSync(
        join(root, '.amlignore'),
        Buffer.from([0x62, 0x0a, 0xff, 0x0a])
      ),
    fails: { v1: 'ignore-file', v2: 'ignore-file' }
  },
  {
    name: 'a negation inside an excluded folder',
    files: {
      'a.py': 'x\n',
      'build/keep.txt': 'k',
      'build/big.bin': 'x'.repeat(5000),
      '.amlignore': 'build\n!build/keep.txt\n'
    },
    fails: { v1: null, v2: null },
    // The warning: the size check counts build/, nothing of it is uploaded.
    says: { v1: /build[\s\S]*!build\/keep\.txt|!build\/keep\.txt[\s\S]*build/ }
  },
  {
    name: 'links to a folder and a file outside',
    files: { 'a.py': 'x\n', '.amlignore': 'ext/skip.txt\n' },
    extra: root => {
      const out = join(dirname(root), `${root.split('/').pop()}-outside`);
      mkdirSync(join(out, 'd'), { recursive: true });
      writeFileSync(join(out, 'd/in.txt'), 'x'.repeat(300));
      writeFileSync(join(out, 'd/skip.txt'), 'x'.repeat(70));
      writeFileSync(join(out, 'f.bin'), 'x'.repeat(1234));
      symlinkSync(join(out, 'd'), join(root, 'ext'));
      symlinkSync(join(out, 'f.bin'), join(root, 'f.bin'));
    },
    fails: { v1: null, v2: null }
  }
];

let base = '';
after(() => {
  if (base) {
    rmSync(base, { recursive: true, force: true });
  }
});

interface IRun {
  root: string;
  ref: Record<Sdk, ISdkRefResult>;
  ls: Record<Sdk, ICliRun>;
  check: Record<Sdk, ICliRun>;
}

let memo: IRun[] | null = null;
function prepare(): IRun[] {
  if (memo) {
    return memo;
  }
  base = realpathSync(mkdtempSync(join(tmpdir(), 'sdk-edges-')));
  const roots = CASES.map((c, k) => {
    const root = join(base, `case${k}`);
    for (const [path, text] of Object.entries(c.files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    mkdirSync(root, { recursive: true });
    c.extra?.(root);
    return root;
  });
  const sdks: Sdk[] = ['v1', 'v2'];
  const cases = roots.flatMap(root => sdks.map(sdk => ({ root, sdk })));
  const refs = runSdkReference(cases);
  const runs = runCliBatch(
    cases.flatMap(({ root, sdk }) => [
      ['ls', root, '--profile', PROFILE[sdk], '-z'],
      ['check', root, '--profile', PROFILE[sdk], '--json']
    ]),
    base
  );
  memo = roots.map((root, k) => ({
    root,
    ref: { v1: refs[2 * k], v2: refs[2 * k + 1] },
    ls: { v1: runs[4 * k], v2: runs[4 * k + 2] },
    check: { v1: runs[4 * k + 1], v2: runs[4 * k + 3] }
  }));
  return memo;
}

test('the references fail exactly where the SDK source says', () => {
  const runs = prepare();
  const problems: string[] = [];
  CASES.forEach((c, k) => {
    for (const sdk of ['v1', 'v2'] as Sdk[]) {
      const got = runs[k].ref[sdk].failure?.kind ?? null;
      if (got !== c.fails[sdk]) {
        problems.push(
          `${c.name} (${sdk}): the reference says ${show(runs[k].ref[sdk].failure)}, expected ${c.fails[sdk]}`
        );
      }
    }
  });
  assert.deepEqual(problems, []);
});

for (const [k, c] of CASES.entries()) {
  test(`${c.name}: the engine agrees with each SDK`, () => {
    const run = prepare()[k];
    const problems: string[] = [];
    for (const sdk of ['v1', 'v2'] as Sdk[]) {
      problems.push(
        ...compare(sdk, run.root, run.ref[sdk], run.ls[sdk], run.check[sdk])
          .problems
      );
      const want = c.says?.[sdk];
      const said = run.check[sdk].stdout + run.check[sdk].stderr;
      if (want && !want.test(said)) {
        problems.push(
          `${PROFILE[sdk]}: check should say ${want}; it said: ${said.slice(0, 600)}`
        );
      }
    }
    if (problems.length > 0) {
      assert.fail(problems.join('\n'));
    }
  });
}

test('the installed command exits 2 where azureml-core would fail', () => {
  const runs = prepare();
  const at = CASES.findIndex(c => c.name === 'dangling link, not excluded');
  const bin = fileURLToPath(
    new URL('../../../bin/snapshot-guard.js', import.meta.url)
  );
  const r = spawnSync(
    process.execPath,
    [bin, 'check', runs[at].root, '--profile', 'azureml-v1'],
    {
      encoding: 'utf8'
    }
  );
  assert.equal(r.status, 2, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, /data\.csv/);
});

/** A file nobody may read: only a process that is not root can see that. */
test('an unreadable file: azureml-core leaves it out but counts its size', () => {
  // As another user (root reads everything), so that os.access and open()
  // really refuse; everything it runs sits in a folder that user can reach,
  // wherever the checkout and TMPDIR are (test/helpers/other-user.ts).
  const dir = realpathSync(sharedTempDir('sdk-unreadable-'));
  try {
    const root = join(dir, 'project');
    mkdirSync(root);
    writeFileSync(join(root, 'a.py'), 'x\n');
    writeFileSync(join(root, 'secret.bin'), 'x'.repeat(4321));
    chmodSync(join(root, 'secret.bin'), 0o000);
    chmodSync(root, 0o755);
    chmodSync(join(root, 'a.py'), 0o644);
    const script = join(dir, 'sdk_reference.py');
    copyFileSync(
      fileURLToPath(
        new URL('../../../test/conformance/sdk_reference.py', import.meta.url)
      ),
      script
    );
    chmodSync(script, 0o644);
    const [py, pyArgs] = asOtherUser([
      '/usr/bin/python3',
      '-c',
      REF_AS_NOBODY,
      script,
      root
    ]);
    const ref = spawnSync(py, pyArgs, { encoding: 'utf8', cwd: dir });
    assert.equal(ref.status, 0, ref.stderr);
    const expected = JSON.parse(ref.stdout) as ISdkRefResult;
    assert.deepEqual(expected.unreadable, ['secret.bin']);
    assert.equal(expected.totalBytes - expected.uploadBytes, 4321);
    const run = (args: string[]): ICliRun => {
      const [cmd, argv] = asOtherUser([...sharedCli().argv, ...args]);
      const r = spawnSync(cmd, argv, { encoding: 'utf8', cwd: dir });
      return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    };
    const ls = run(['ls', root, '--profile', 'azureml-v1', '-z']);
    const check = run(['check', root, '--profile', 'azureml-v1', '--json']);
    const { problems } = compare('v1', root, expected, ls, check);
    assert.deepEqual(problems, []);
    assert.match(check.stdout + check.stderr, /secret\.bin/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Runs the v1 model on one folder and prints its result. */
const REF_AS_NOBODY = [
  'import importlib.util, json, os, sys',
  'spec = importlib.util.spec_from_file_location("ref", sys.argv[1])',
  'ref = importlib.util.module_from_spec(spec); spec.loader.exec_module(ref)',
  'os.chdir(sys.argv[2])',
  'print(json.dumps(ref.run_case({"root": sys.argv[2], "sdk": "v1"}, None)))'
].join('\n');
