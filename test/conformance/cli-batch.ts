/**
 * Runs many `snapshot-guard` command lines in one Node process, through the
 * CLI's own entry point, so the conformance suites exercise exactly what a
 * user runs without paying a process start per folder.
 *
 *   node cli-batch.js JOBS.json OUT.json
 *
 * JOBS.json is an array of argv arrays; OUT.json gets, for each, the exit
 * code and what the command printed on stdout and stderr.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/node/cli.js';

export interface ICliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the jobs in a child process (the test runner owns this one's stdout). */
export function runCliBatch(jobs: string[][], dir: string): ICliRun[] {
  const input = `${dir}/cli-jobs.json`;
  const output = `${dir}/cli-out.json`;
  writeFileSync(input, JSON.stringify(jobs));
  const r = spawnSync(
    process.execPath,
    [fileURLToPath(import.meta.url), input, output],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }
  );
  if (r.status !== 0) {
    throw new Error(`cli-batch failed (exit ${r.status}): ${r.stderr}`);
  }
  return JSON.parse(readFileSync(output, 'utf8')) as ICliRun[];
}

async function runAll(jobs: string[][]): Promise<ICliRun[]> {
  const out: ICliRun[] = [];
  const realOut = process.stdout.write.bind(process.stdout);
  const realErr = process.stderr.write.bind(process.stderr);
  for (const argv of jobs) {
    let stdout = '';
    let stderr = '';
    const grab =
      (sink: (s: string) => void) =>
      (chunk: string | Uint8Array): boolean => {
        sink(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
        return true;
      };
    process.stdout.write = grab(s => (stdout += s)) as typeof realOut;
    process.stderr.write = grab(s => (stderr += s)) as typeof realErr;
    let code: number;
    try {
      code = await main(argv);
    } catch (err) {
      // bin/snapshot-guard.js turns an escaped error into exit 2 the same way.
      stderr += `snapshot-guard: ${(err as Error)?.stack ?? err}\n`;
      code = 2;
    } finally {
      process.stdout.write = realOut;
      process.stderr.write = realErr;
    }
    out.push({ code, stdout, stderr });
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [input, output] = process.argv.slice(2);
  const jobs = JSON.parse(readFileSync(input, 'utf8')) as string[][];
  writeFileSync(output, JSON.stringify(await runAll(jobs)));
}
