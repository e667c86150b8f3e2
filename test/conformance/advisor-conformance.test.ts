/**
 * The advisor's proposal, checked by the SDK's own matcher: on generated
 * oversized folders, the `.amlignore` it writes leaves a snapshot within the
 * limits (by pathspec, the reference, with the SDK's own limits) that still
 * holds the notebook and every `*.py` outside excluded environments, and
 * the totals the advisor predicts are the ones the SDK then counts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { propose } from '../../src/snapshot/advisor.js';
import { composeAmlignore } from '../../src/snapshot/amlignore.js';
import { resolveLimits } from '../../src/snapshot/limits.js';
import { reportOf, scanFolder } from '../../src/snapshot/scan.js';
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

/** azureml-core's limits (snapshots_client.py), not the engine's. */
const MAX_BYTES = 300 * MiB;
const MAX_FILES = 2000;

/** Every folder above `path`: `a/b/c.txt` gives `a`, `a/b`. */
function foldersAbove(path: string): string[] {
  const parts = path.split('/');
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join('/'));
}

/**
 * What azureml-core does with `files` under the ignore file `text`, decided
 * by pathspec (the reference) path by path: the size check sums every file
 * pathspec does not exclude; the upload walk also never enters a folder
 * pathspec excludes (matched without a trailing slash, as the SDK does).
 */
function sdkTotals(
  items: Array<{ files: Record<string, number | string>; text: string }>
): Array<{ files: number; bytes: number; excluded: Set<string> }> {
  const queries = items.map(({ files, text }) => {
    const paths = Object.keys(files);
    const folders = [...new Set(paths.flatMap(foldersAbove))];
    return { text, paths: [...paths, ...folders] };
  });
  // Without an ignore file the SDK leaves nothing out: no need to ask.
  const asked = queries.filter(q => q.text !== '');
  const answers = runReference(asked).cases;
  return items.map(({ files }, k) => {
    const q = queries[k];
    const r = q.text === '' ? null : answers[asked.indexOf(q)];
    assert.equal(r?.error ?? null, null, `pathspec rejected:\n${q.text}`);
    const excluded = new Set(q.paths.filter((_, i) => r?.results[i][0]));
    let count = 0;
    let bytes = 0;
    for (const [path, size] of Object.entries(files)) {
      if (excluded.has(path)) {
        continue;
      }
      bytes += typeof size === 'number' ? size : Buffer.byteLength(size);
      if (!foldersAbove(path).some(d => excluded.has(d))) {
        count++;
      }
    }
    return { files: count, bytes, excluded };
  });
}

test('proposals bring generated oversized folders within the limits, for pathspec too', async () => {
  const rand = prng(SEED);
  const limits = resolveLimits('azureml-v1');
  const projects = Array.from({ length: 60 }, (_, k) => project(rand, k));
  // Which are over the SDK's limits, by the reference (their .gitignore
  // applies: the SDK reads it when there is no .amlignore).
  const before = sdkTotals(
    projects.map(p => ({
      files: p.files,
      text:
        typeof p.files['.gitignore'] === 'string' ? p.files['.gitignore'] : ''
    }))
  );
  const cases: {
    project: IProject;
    text: string;
    k: number;
    predicted: { files: number; bytes: number; verdict: string };
  }[] = [];
  for (const [k, p] of projects.entries()) {
    const scan = await scanFolder(new MemoryFileSystem(p.files), {
      prune: false
    });
    const over = before[k].files > MAX_FILES || before[k].bytes > MAX_BYTES;
    assert.equal(
      reportOf(scan, limits).verdict === 'over',
      over,
      `seed ${SEED} case ${k}: the engine's verdict differs from the SDK's (${before[k].files} files, ${before[k].bytes} bytes)`
    );
    if (!over) {
      continue;
    }
    // Only the folder that holds the notebook is a sensible snapshot root.
    const proposal = propose(scan, limits, { notebook: p.notebook });
    const lines = proposal.lines.filter(l => l.checked).map(l => l.pattern);
    const { text } = composeAmlignore(scan, lines);
    assert.ok(
      proposal.reachesTarget,
      `seed ${SEED} case ${k}: target not reached`
    );
    cases.push({ project: p, text, k, predicted: proposal.after });
  }
  assert.ok(
    cases.length >= 15,
    `only ${cases.length} oversized folders were generated`
  );

  // The .amlignore being written is uploaded like any file: it is part of
  // the folder the SDK sees after the write.
  const after = sdkTotals(
    cases.map(c => ({
      files: { ...c.project.files, '.amlignore': c.text },
      text: c.text
    }))
  );
  cases.forEach((c, i) => {
    const got = after[i];
    const where = `seed ${SEED} case ${c.k}: with\n${c.text}`;
    assert.ok(!got.excluded.has('.amlignore'), `${where}\nexcludes .amlignore`);
    for (const path of Object.keys(c.project.files)) {
      const inEnv = c.project.envs.some(e => path.startsWith(`${e}/`));
      if (path === c.project.notebook || (path.endsWith('.py') && !inEnv)) {
        assert.ok(
          !got.excluded.has(path) &&
            !foldersAbove(path).some(d => got.excluded.has(d)),
          `${where}\npathspec leaves out ${path}`
        );
      }
    }
    assert.ok(
      got.files <= MAX_FILES && got.bytes <= MAX_BYTES,
      `${where}\npathspec: ${got.files} files, ${got.bytes} bytes`
    );
    // The advisor's prediction (what the dialog shows) is what the SDK
    // then counts.
    assert.deepEqual(
      {
        files: c.predicted.files,
        bytes: c.predicted.bytes,
        verdict: c.predicted.verdict
      },
      { files: got.files, bytes: got.bytes, verdict: 'ok' },
      where
    );
  });
});
