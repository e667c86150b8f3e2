/**
 * What the Azure ML SDK would upload from a folder on disk, by the
 * independent reference (test/conformance/sdk_reference.py: each SDK's own
 * walk with its own matcher), in the shape end-to-end tests compare the UI
 * with. It never runs our engine or CLI: a test that took its expected
 * numbers from them would only prove that the UI agrees with the engine.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runSdkReference, type Sdk } from '../conformance/sdk-reference.js';

const MiB = 1024 * 1024;

/** azureml-core's limits (snapshots_client.py: SNAPSHOT_MAX_SIZE_BYTES, SNAPSHOT_MAX_FILES). */
export const V1_MAX_BYTES = 300 * MiB;
export const V1_MAX_FILES = 2000;
/** The setting nearFraction's default (schema/plugin.json), the tests' setting. */
export const NEAR_FRACTION = 0.8;

export interface IReferenceCheck {
  /** The upload list, sorted. */
  files: string[];
  fileCount: number;
  /** What the size limit is checked on (v1: the size-check walk). */
  totalBytes: number;
  uploadBytes: number;
  /** v1: over a limit, at NEAR_FRACTION of one, or ok; v2 has no limits: ok. */
  verdict: 'ok' | 'near' | 'over';
  /** The ignore file both SDKs read: .amlignore, else .gitignore, else none. */
  ignoreFile: '.amlignore' | '.gitignore' | null;
  /** Uploaded bytes and files per top-level entry, biggest first. */
  top: { path: string; kind: 'file' | 'dir'; files: number; bytes: number }[];
}

/** The reference's answer for `dir` as `sdk` (default v1) would upload it. */
export function referenceCheck(dir: string, sdk: Sdk = 'v1'): IReferenceCheck {
  const [ref] = runSdkReference([{ root: dir, sdk }]);
  if (ref.failure) {
    throw new Error(
      `the SDK would fail on ${dir}: ${ref.failure.kind} at ${ref.failure.path}: ${ref.failure.message}`
    );
  }
  const files = ref.files.map(([p]) => p).sort();
  const level = (value: number, limit: number) =>
    value > limit ? 2 : value >= limit * NEAR_FRACTION ? 1 : 0;
  const worst =
    sdk === 'v1'
      ? Math.max(
          level(ref.totalBytes, V1_MAX_BYTES),
          level(files.length, V1_MAX_FILES)
        )
      : 0;
  const groups = new Map<string, IReferenceCheck['top'][number]>();
  for (const [path, bytes] of ref.files) {
    const slash = path.indexOf('/');
    const name = slash < 0 ? path : path.slice(0, slash);
    const g = groups.get(name) ?? {
      path: name,
      kind: slash < 0 ? 'file' : 'dir',
      files: 0,
      bytes: 0
    };
    g.files++;
    g.bytes += bytes;
    groups.set(name, g);
  }
  return {
    files,
    fileCount: files.length,
    totalBytes: ref.totalBytes,
    uploadBytes: ref.uploadBytes,
    verdict: (['ok', 'near', 'over'] as const)[worst],
    ignoreFile: existsSync(join(dir, '.amlignore'))
      ? '.amlignore'
      : existsSync(join(dir, '.gitignore'))
        ? '.gitignore'
        : null,
    top: [...groups.values()].sort((a, b) => b.bytes - a.bytes)
  };
}
