/** Compares the engine's command-line answers for one folder with a reference. */
import type { ICliRun } from './cli-batch.js';
import { PROFILE, type ISdkRefResult, type Sdk } from './sdk-reference.js';

export const show = (s: unknown) => JSON.stringify(s);

/** Differences between the engine's answer and the reference for one folder. */
export function compare(
  sdk: Sdk,
  root: string,
  ref: ISdkRefResult,
  ls: ICliRun,
  check: ICliRun
): { problems: string[]; paths: number } {
  const problems: string[] = [];
  const where = `${PROFILE[sdk]} ${root}`;
  if (ref.failure) {
    const said = check.stdout + check.stderr;
    if (check.code !== 2) {
      problems.push(
        `${where}: the SDK fails (${ref.failure.kind} at ${show(ref.failure.path)}: ` +
          `${ref.failure.message}); check exits ${check.code}, not 2`
      );
    } else if (!said.includes(ref.failure.path)) {
      problems.push(
        `${where}: check does not name ${show(ref.failure.path)}: ${said}`
      );
    }
    return { problems, paths: 0 };
  }
  const want = ref.files.map(([p]) => p).sort();
  const got = ls.stdout.split('\0').slice(0, -1).sort();
  if (ls.code !== 0) {
    problems.push(`${where}: ls exits ${ls.code}: ${ls.stderr.trim()}`);
  } else {
    const missing = want.filter(p => !got.includes(p));
    const extra = got.filter(p => !want.includes(p));
    if (missing.length || extra.length) {
      problems.push(
        `${where}: upload list differs: the SDK also uploads ${show(missing)}; ` +
          `we also list ${show(extra)}`
      );
    }
  }
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(check.stdout) as Record<string, unknown>;
  } catch {
    problems.push(
      `${where}: check --json exits ${check.code}: ${check.stdout}${check.stderr}`
    );
    return { problems, paths: want.length };
  }
  if (check.code === 2) {
    problems.push(
      `${where}: check exits 2 but the SDK does not fail: ${check.stderr.trim()}`
    );
  }
  const figures: Array<[string, unknown, number]> = [
    ['fileCount', json.fileCount, want.length],
    ['totalBytes', json.totalBytes, ref.totalBytes],
    ['uploadBytes', json.uploadBytes, ref.uploadBytes]
  ];
  for (const [name, value, expected] of figures) {
    if (value !== expected) {
      problems.push(
        `${where}: ${name} is ${show(value)}, the SDK's is ${expected}`
      );
    }
  }
  if (typeof json.sdk !== 'string' || typeof json.profileReason !== 'string') {
    problems.push(
      `${where}: check --json lacks sdk/profileReason (${show(json.sdk)}, ${show(json.profileReason)})`
    );
  }
  return { problems, paths: new Set([...want, ...got]).size };
}
