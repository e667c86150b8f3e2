/**
 * Runs pathspec_reference.py (Debian's python3-pathspec) on a batch of
 * cases, once per batch: starting Python costs more than the matching.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface IRefCase {
  text: string;
  paths: string[];
}

export interface IRefResult {
  error: string | null;
  /** Per path: excluded, and the 1-based line of the last matching pattern (0: none). */
  results: Array<[boolean, number]>;
}

/** The script lives next to this file's source, not in build/. */
const SCRIPT = fileURLToPath(
  new URL('../../../test/conformance/pathspec_reference.py', import.meta.url)
);

/** Debian's interpreter: the one that has python3-pathspec (not pyenv's). */
export const PYTHON = '/usr/bin/python3';

/**
 * Where scripts/setup.js ensureAzureAiMl() unpacks azure-ai-ml's vendored
 * matcher from Debian's python3-azure.
 */
export const AZURE_AI_ML_SITE = fileURLToPath(
  new URL('../../../.cache/python3-azure/site', import.meta.url)
);

/** Fails clearly when `npm test` has not fetched python3-azure yet. */
export function assertAzureAiMl(): void {
  if (!existsSync(join(AZURE_AI_ML_SITE, 'azure/ai/ml/_utils/_pathspec.py'))) {
    throw new Error(
      `azure-ai-ml's matcher is missing from ${AZURE_AI_ML_SITE}: run npm test ` +
        '(scripts/setup.js ensureAzureAiMl fetches python3-azure)'
    );
  }
}

/** The pathspec version the reference runs (PYTHONPATH can point at another). */
export function referenceVersion(): string {
  return cached('version', () =>
    execFileSync(PYTHON, [SCRIPT, '--version'], { encoding: 'utf8' }).trim()
  );
}

/** pathspec 0.12 and later: `[^...]` negates, and a final `\\ ` keeps its space. */
export function isPathspec012(version: string): boolean {
  const [major, minor] = version.split('.').map(Number);
  return major === 0 && minor >= 12;
}

/** Per path, what `sdk` decides: v1 with pathspec, v2 with azure-ai-ml's own copy. */
export function runReference(
  cases: IRefCase[],
  sdk: 'v1' | 'v2' = 'v1'
): {
  version: string;
  cases: IRefResult[];
} {
  if (sdk === 'v2') {
    assertAzureAiMl();
  }
  const input = JSON.stringify({ cases });
  return JSON.parse(
    cached(`${sdk}\n${input}`, () => JSON.stringify(runPython(input, sdk)))
  ) as ReturnType<typeof runPython>;
}

/**
 * `npm run mutate` runs these tests once per mutant: REFERENCE_CACHE names a
 * folder where the reference's answers are kept by their input, since the
 * reference does not change between mutants. Unset, Python always runs.
 */
export function cached(
  input: string,
  compute: () => string,
  script: string = SCRIPT
): string {
  const dir = process.env.REFERENCE_CACHE;
  if (!dir) {
    return compute();
  }
  const key = createHash('sha256')
    .update(readFileSync(script))
    .update(input)
    .digest('hex');
  const file = join(dir, `${key}.json`);
  if (existsSync(file)) {
    return readFileSync(file, 'utf8');
  }
  const out = compute();
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${file}.${process.pid}`, out);
  renameSync(`${file}.${process.pid}`, file);
  return out;
}

function runPython(
  input: string,
  sdk: 'v1' | 'v2'
): { version: string; cases: IRefResult[] } {
  const dir = mkdtempSync(join(tmpdir(), 'pathspec-ref-'));
  try {
    const file = join(dir, 'cases.json');
    writeFileSync(file, input);
    const args = sdk === 'v2' ? ['--azure-ai-ml', AZURE_AI_ML_SITE] : [];
    const out = execFileSync(PYTHON, [SCRIPT, file, ...args], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024
    });
    const parsed = JSON.parse(out) as { pathspec: string; cases: IRefResult[] };
    return { version: parsed.pathspec, cases: parsed.cases };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A small seeded PRNG (mulberry32), so a failing run can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
