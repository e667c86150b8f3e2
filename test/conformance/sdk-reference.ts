/**
 * Runs sdk_reference.py (Debian's python3-pathspec for azureml-core,
 * azure-ai-ml's own vendored matcher for v2) on a batch of folders, in one
 * Python process.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdtempSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { asOtherUser, sharedTempDir } from '../helpers/other-user.js';
import { AZURE_AI_ML_SITE, PYTHON, assertAzureAiMl } from './reference.js';

export type Sdk = 'v1' | 'v2';

export const PROFILE: Record<Sdk, string> = {
  v1: 'azureml-v1',
  v2: 'azureml-v2'
};

export interface ISdkRefResult {
  /** The upload list: relative path and bytes, sorted by path. */
  files: Array<[string, number]>;
  uploadBytes: number;
  /** v1: the size-check walk; v2: the uploaded bytes. */
  totalBytes: number;
  /** Where the SDK would stop, or null. */
  failure: { kind: string; path: string; message: string } | null;
  /** v1: files left out because they cannot be read. */
  unreadable: string[];
}

const SCRIPT = fileURLToPath(
  new URL('../../../test/conformance/sdk_reference.py', import.meta.url)
);

/**
 * `asOtherUser`: run as a user without root's rights (see other-user.ts),
 * so that unreadable files are unreadable; the folders must be in a place
 * that user can reach.
 */
export function runSdkReference(
  cases: Array<{ root: string; sdk: Sdk }>,
  options: { asOtherUser?: boolean } = {}
): ISdkRefResult[] {
  const v2 = cases.some(c => c.sdk === 'v2');
  if (v2) {
    assertAzureAiMl();
  }
  const dir = options.asOtherUser
    ? sharedTempDir('sdk-ref-')
    : mkdtempSync(join(tmpdir(), 'sdk-ref-'));
  try {
    const file = join(dir, 'cases.json');
    writeFileSync(
      file,
      JSON.stringify({
        // Loaded only for v2: the copy sits in the checkout.
        ...(v2 ? { azureAiMl: AZURE_AI_ML_SITE } : {}),
        cases
      })
    );
    chmodSync(file, 0o644);
    let script = SCRIPT;
    if (options.asOtherUser) {
      // The checkout may be out of that user's reach (a private home).
      script = join(dir, 'sdk_reference.py');
      copyFileSync(SCRIPT, script);
      chmodSync(script, 0o644);
    }
    const [cmd, argv] = options.asOtherUser
      ? asOtherUser([PYTHON, script, file])
      : [PYTHON, [script, file]];
    const out = execFileSync(cmd, argv, {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024
    });
    return (JSON.parse(out) as { cases: ISdkRefResult[] }).cases;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
