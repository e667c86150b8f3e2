/**
 * Which ignore file applies, and how its bytes become text: each SDK opens
 * it its own way (spec section 2).
 */
import type { Sdk } from './types.js';

export type IgnoreFileName = '.amlignore' | '.gitignore';

/** `.amlignore` if present among the root's names, else `.gitignore`, else null. Never both. */
export function chooseIgnoreFile(
  rootNames: Iterable<string>
): IgnoreFileName | null {
  let git = false;
  for (const name of rootNames) {
    if (name === '.amlignore') {
      return '.amlignore';
    }
    if (name === '.gitignore') {
      git = true;
    }
  }
  return git ? '.gitignore' : null;
}

/** An ignore file the SDK cannot use: undecodable, absurdly large, or a pattern pathspec rejects. */
export class IgnoreFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IgnoreFileError';
  }
}

/**
 * Larger ignore files are refused rather than parsed: 8 MiB is some 100,000
 * generated lines, far beyond any real file, and keeps a stray binary from
 * stalling the browser.
 */
export const MAX_IGNORE_FILE_BYTES = 8 * 1024 * 1024;

/**
 * Decode an ignore file's bytes as strict UTF-8 (an invalid byte makes the
 * SDK's `open()` raise).
 *
 * - azureml-core opens it in text mode with the locale's encoding (`utf-8` on
 *   Azure ML compute), which keeps a byte-order mark: it becomes part of the
 *   first pattern (azureml/_project/ignore_file.py, `_get_ignore_patterns`).
 * - azure-ai-ml opens it with `encoding=DefaultOpenEncoding.READ`, which is
 *   `"utf-8-sig"`, so the mark is dropped. Evidence, not proof: the stored
 *   copy of azure/ai/ml/constants/_common.py (Azure/azure-sdk-for-python
 *   368572ed652883cc0f9a69b06d18186eeedac394) does not define the class;
 *   the same class in sdk/evaluation/azure-ai-evaluation/azure/ai/evaluation/
 *   _constants.py (75d3781e8a242261123ddc58f7dd5d743a32a46f) has
 *   `READ = "utf-8-sig"`, and pull request 30714 (June 2023) moved the SDK's
 *   reads to it. Releases from 1.4 to about 1.8 read with no encoding and
 *   kept the mark; they are not modelled.
 */
export function decodeIgnoreFile(
  bytes: Uint8Array,
  source: string,
  sdk: Sdk = 'v1'
): string {
  if (bytes.length > MAX_IGNORE_FILE_BYTES) {
    throw new IgnoreFileError(
      `${source} is ${bytes.length} bytes, more than the ${MAX_IGNORE_FILE_BYTES}-byte limit for an ignore file; it is probably not a text file`
    );
  }
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) {
    const hex = bytes[bad].toString(16).toUpperCase().padStart(2, '0');
    throw new IgnoreFileError(
      `${source} is not valid UTF-8: byte 0x${hex} at offset ${bad} (line ${lineAtOffset(bytes, bad)}); ${sdk === 'v1' ? 'azureml-core' : 'azure-ai-ml'} would fail to read it`
    );
  }
  return new TextDecoder('utf-8', { ignoreBOM: sdk === 'v1' }).decode(bytes);
}

/** Offset of the first byte of an invalid UTF-8 sequence, or -1. */
function firstInvalidUtf8(b: Uint8Array): number {
  const n = b.length;
  let i = 0;
  while (i < n) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      // Overlong forms and UTF-16 surrogates are invalid, as in Python.
      if (c === 0xe0) {
        lo = 0xa0;
      } else if (c === 0xed) {
        hi = 0x9f;
      }
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) {
        lo = 0x90;
      } else if (c === 0xf4) {
        hi = 0x8f;
      }
    } else {
      return i;
    }
    for (let k = 1; k <= need; k++) {
      const x = i + k < n ? b[i + k] : -1;
      if (x < (k === 1 ? lo : 0x80) || x > (k === 1 ? hi : 0xbf)) {
        return i;
      }
    }
    i += need + 1;
  }
  return -1;
}

/** 1-based line of a byte offset, with `\r\n`, `\r` and `\n` as breaks. */
function lineAtOffset(b: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) {
    if (b[i] === 0x0a || (b[i] === 0x0d && b[i + 1] !== 0x0a)) {
      line++;
    }
  }
  return line;
}
