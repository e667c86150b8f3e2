/**
 * decodeIgnoreFile against Python's own codecs (utf8_reference.py): on
 * seeded random byte strings rich in edge cases (overlong forms, surrogates,
 * code points above U+10FFFF, truncated sequences, byte-order marks, every
 * kind of line break), the decoded text per SDK or the offset and line of
 * the first invalid byte must be what Python reports.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  decodeIgnoreFile,
  IgnoreFileError
} from '../../src/snapshot/ignore-file.js';
import { PYTHON, cached, prng } from './reference.js';

const SCRIPT = fileURLToPath(
  new URL('../../../test/conformance/utf8_reference.py', import.meta.url)
);
const SEED = Number(process.env.CONFORMANCE_SEED ?? 20261202);

interface IDecoded {
  v1: string | null;
  v2: string | null;
  error: { offset: number; line: number } | null;
}

function pythonDecodes(cases: Uint8Array[]): IDecoded[] {
  const input = JSON.stringify({
    cases: cases.map(b => Buffer.from(b).toString('hex'))
  });
  const run = () => {
    const dir = mkdtempSync(join(tmpdir(), 'utf8-ref-'));
    try {
      writeFileSync(join(dir, 'cases.json'), input);
      return execFileSync(PYTHON, [SCRIPT, join(dir, 'cases.json')], {
        encoding: 'utf8'
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  return JSON.parse(cached(`utf8\n${input}`, run, SCRIPT)) as IDecoded[];
}

/** Lead bytes at and around each boundary of UTF-8's table. */
const LEADS = [
  0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0,
  0xf1, 0xf3, 0xf4, 0xf5, 0xf8, 0xfe, 0xff
];
/** Continuation-byte candidates around each range a lead byte allows. */
const TAILS = [0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0];

function cases(seed: number, n: number): Uint8Array[] {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  const out: Uint8Array[] = [];
  for (let k = 0; k < n; k++) {
    const b: number[] = rand() < 0.2 ? [0xef, 0xbb, 0xbf] : [];
    const parts = 1 + Math.floor(rand() * 8);
    for (let p = 0; p < parts; p++) {
      const r = rand();
      if (r < 0.35) {
        b.push(...Buffer.from(pick(['a', '*.log', 'data/', ' ', '#x'])));
      } else if (r < 0.6) {
        b.push(...Buffer.from(pick(['\n', '\r\n', '\r', '\n\n', '\r\r'])));
      } else if (r < 0.88) {
        b.push(...Buffer.from(pick(['é', '日', '😀', '\u{10FFFF}', '\ufeff'])));
      } else {
        // A lead byte and up to three doubtful continuation bytes, maybe cut short.
        b.push(pick(LEADS));
        const tails = Math.floor(rand() * 4);
        for (let t = 0; t < tails; t++) {
          b.push(pick(TAILS));
        }
      }
    }
    out.push(new Uint8Array(b));
  }
  return out;
}

/** Every lead byte above with every doubtful first continuation byte, then valid ones. */
function edges(): Uint8Array[] {
  return LEADS.flatMap(lead =>
    TAILS.map(tail => new Uint8Array([0x61, lead, tail, 0x80, 0x80, 0x0a]))
  );
}

test(`decodeIgnoreFile agrees with Python's utf-8 and utf-8-sig codecs (seed ${SEED})`, () => {
  const inputs = [...edges(), ...cases(SEED, 1500)];
  const expected = pythonDecodes(inputs);
  const problems: string[] = [];
  let invalid = 0;
  inputs.forEach((bytes, k) => {
    const want = expected[k];
    if (want.error) {
      invalid++;
    }
    for (const sdk of ['v1', 'v2'] as const) {
      let got: string;
      try {
        got = decodeIgnoreFile(bytes, '.amlignore', sdk);
      } catch (e) {
        if (!(e instanceof IgnoreFileError)) {
          throw e;
        }
        const byte = bytes[want.error?.offset ?? 0]
          .toString(16)
          .toUpperCase()
          .padStart(2, '0');
        const ok =
          want.error !== null &&
          e.message.includes(`offset ${want.error.offset} `) &&
          e.message.includes(`(line ${want.error.line})`) &&
          e.message.includes(`byte 0x${byte} `) &&
          e.message.includes(sdk === 'v1' ? 'azureml-core' : 'azure-ai-ml');
        if (!ok) {
          problems.push(
            `${sdk} ${Buffer.from(bytes).toString('hex')}: we say "${e.message}", Python ${JSON.stringify(want)}`
          );
        }
        continue;
      }
      if (got !== want[sdk]) {
        problems.push(
          `${sdk} ${Buffer.from(bytes).toString('hex')}: we decode ${JSON.stringify(got)}, Python ${JSON.stringify(want)}`
        );
      }
    }
  });
  assert.deepEqual(problems.slice(0, 20), []);
  // Guard against a generator that tests only one side.
  assert.ok(
    invalid > 500 && invalid < 1300,
    `${invalid} invalid of ${inputs.length}`
  );
});
