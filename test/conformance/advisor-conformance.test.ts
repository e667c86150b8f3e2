/**
 * The advisor's proposal, checked by the SDK's own matcher: on generated
 * oversized folders, the `.amlignore` it writes leaves a snapshot within the
 * limits (by the engine and by pathspec) that still holds the notebook and
 * every `*.py` outside excluded environments.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { propose } from '../../src/snapshot/advisor.js';
import { composeAmlignore } from '../../src/snapshot/amlignore.js';
import { resolveLimits } from '../../src/snapshot/limits.js';
import { reportOf, scanFolder } from '../../src/snapshot/scan.js';
import { RuleSet } from '../../src/snapshot/rules.js';
import { MemoryFileSystem } from '../helpers/memory-fs.js';
import { prng, runReference } from './reference.js';

const MiB = 1024 * 1024;
const SEED = Number(process.env.CONFORMANCE_SEED ?? 20261125);

interface IProject {
  files: Record<string, number | string>;
  notebook: string;
  /** Folders that are virtual environments (their .py may go). */
  envs: string[];
}

function project(rand: () => number, k: number): IProject {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const files: Record<string, number | string> = {};
  const envs: string[] = [];
  const base = pick(['', 'work/', 'nb dir/']);
  const notebook = `${base}${pick(['analysis', 'train #1', 'données', 'x[1]'])}.ipynb`;
  files[notebook] = 2000;
  files[`${base}utils.py`] = 300;
  files[`${base}requirements.txt`] = 50;
  for (let i = 0; i < 5 + Math.floor(rand() * 20); i++) {
    files[`${base}src/pkg${i % 4}/mod${i}.py`] =
      100 + Math.floor(rand() * 5000);
  }
  // Bulk: some of data, checkpoints, a virtualenv, .git, outputs, logs.
  if (rand() < 0.8) {
    for (let i = 0; i < 1 + Math.floor(rand() * 5); i++) {
      files[
        `${base}data/${pick(['raw', 'clean', 'big set'])}/part-${i}.${pick(['csv', 'parquet', 'bin'])}`
      ] = Math.floor(rand() * 200 * MiB);
    }
  }
  if (rand() < 0.6) {
    const env = `${base}${pick(['.venv', 'venv', 'env'])}`;
    envs.push(env);
    files[`${env}/pyvenv.cfg`] = 100;
    for (let i = 0; i < 800 + Math.floor(rand() * 2500); i++) {
      files[`${env}/lib/python3.11/site-packages/p${i % 50}/m${i}.py`] = 500;
    }
  }
  if (rand() < 0.7) {
    for (let i = 0; i < Math.floor(rand() * 1500); i++) {
      files[`${base}.git/objects/${i % 256}/${i}`] = 200;
    }
  }
  if (rand() < 0.5) {
    files[`${base}models/ckpt-${k}.pt`] = Math.floor(rand() * 400 * MiB);
  }
  if (rand() < 0.4) {
    for (let i = 0; i < 300; i++) {
      files[`${base}outputs/img-${i}.png`] = 20000;
    }
  }
  if (rand() < 0.4) {
    files['.gitignore'] = pick([
      '*.log\n',
      '__pycache__/\n*.pyc\n',
      'data/\n!data/raw/part-0.csv\n'
    ]);
  }
  return { files, notebook, envs };
}

test('proposals bring generated oversized folders within the limits, for pathspec too', async () => {
  const rand = prng(SEED);
  const limits = resolveLimits('azureml-v1');
  const cases: { project: IProject; text: string; paths: string[] }[] = [];
  let over = 0;
  for (let k = 0; k < 60; k++) {
    const p = project(rand, k);
    const scan = await scanFolder(new MemoryFileSystem(p.files), {
      prune: false
    });
    const before = reportOf(scan, limits);
    if (before.verdict !== 'over') {
      continue;
    }
    over++;
    // Only the folder that holds the notebook is a sensible snapshot root.
    const proposal = propose(scan, limits, { notebook: p.notebook });
    const lines = proposal.lines.filter(l => l.checked).map(l => l.pattern);
    const { text } = composeAmlignore(scan, lines);
    // The engine's own verdict on the written file.
    const rules = RuleSet.parse(text, '.amlignore');
    const after = reportOf(scan, limits, rules);
    assert.ok(
      proposal.reachesTarget,
      `seed ${SEED} case ${k}: target not reached`
    );
    assert.equal(
      after.verdict,
      'ok',
      `seed ${SEED} case ${k}: ${lines.join(' ')}`
    );
    // The prediction also counts the .amlignore being written (the SDK
    // uploads it like any file; none of these lines excludes it): one more
    // file of exactly the composed text's bytes (issue 7, item 7).
    assert.equal(rules.excludes('.amlignore'), false);
    assert.deepEqual(
      {
        files: after.files + 1,
        bytes: after.bytes + Buffer.byteLength(text, 'utf8')
      },
      { files: proposal.after.files, bytes: proposal.after.bytes }
    );
    cases.push({ project: p, text, paths: scan.files.map(f => f.path) });
  }
  assert.ok(over >= 15, `only ${over} oversized folders were generated`);

  const ref = runReference(cases.map(c => ({ text: c.text, paths: c.paths })));
  cases.forEach((c, k) => {
    const r = ref.cases[k];
    assert.equal(r.error, null, `pathspec rejected:\n${c.text}`);
    let files = 0;
    let bytes = 0;
    c.paths.forEach((path, i) => {
      const excluded = r.results[i][0];
      const size = c.project.files[path] as number;
      if (!excluded) {
        files++;
        bytes += typeof size === 'number' ? size : String(size).length;
      }
      const inEnv = c.project.envs.some(e => path.startsWith(`${e}/`));
      if (path === c.project.notebook || (path.endsWith('.py') && !inEnv)) {
        assert.equal(
          excluded,
          false,
          `pathspec excludes ${path} with:\n${c.text}`
        );
      }
    });
    assert.ok(
      files <= limits.maxFiles! && bytes <= limits.maxBytes!,
      `pathspec: ${files} files, ${bytes} bytes`
    );
  });
});
