/**
 * File names as the operating system stores them (bytes) in the engine's
 * string paths, losslessly, the way Python's `os.fsdecode` does on Linux
 * (PEP 383, "surrogateescape"): valid UTF-8 decodes as usual and every byte
 * that is not part of a valid sequence becomes the lone surrogate
 * U+DC00 + byte (U+DC80–U+DCFF). The helper kernel's names arrive in this
 * form already; the Node adapter decodes with `fsdecode` and turns paths
 * back into bytes with `fsencode` at its I/O boundary.
 */

const ESCAPED = /[\udc80-\udcff]/;

/** Bytes of a name as a string; Python's `os.fsdecode` on Linux. */
export function fsdecode(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) {
      // Runs of ASCII, the common case, in one go.
      let j = i + 1;
      while (j < n && bytes[j] < 0x80) {
        j++;
      }
      out += String.fromCharCode(...bytes.subarray(i, j));
      i = j;
      continue;
    }
    const len = sequenceLength(bytes, i);
    if (len === 0) {
      out += String.fromCharCode(0xdc00 + b);
      i++;
      continue;
    }
    let cp = b & (len === 2 ? 0x1f : len === 3 ? 0x0f : 0x07);
    for (let k = 1; k < len; k++) {
      cp = (cp << 6) | (bytes[i + k] & 0x3f);
    }
    out += String.fromCodePoint(cp);
    i += len;
  }
  return out;
}

/**
 * Length of the valid UTF-8 sequence starting at `i`, or 0. Strict as
 * Python's decoder: no overlong forms, no encoded surrogates, nothing above
 * U+10FFFF.
 */
function sequenceLength(s: Uint8Array, i: number): number {
  const b = s[i];
  const cont = (k: number, lo = 0x80, hi = 0xbf) =>
    i + k < s.length && s[i + k] >= lo && s[i + k] <= hi;
  if (b >= 0xc2 && b <= 0xdf) {
    return cont(1) ? 2 : 0;
  }
  if (b >= 0xe0 && b <= 0xef) {
    const lo = b === 0xe0 ? 0xa0 : 0x80;
    const hi = b === 0xed ? 0x9f : 0xbf;
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (b >= 0xf0 && b <= 0xf4) {
    const lo = b === 0xf0 ? 0x90 : 0x80;
    const hi = b === 0xf4 ? 0x8f : 0xbf;
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/**
 * A string path back to the bytes it names; Python's `os.fsencode`. Throws
 * for a lone surrogate that is not an escaped byte: no file has that name.
 */
export function fsencode(path: string): Uint8Array {
  if (!ESCAPED.test(path)) {
    checkSurrogates(path);
    return new TextEncoder().encode(path);
  }
  const parts: number[] = [];
  const enc = new TextEncoder();
  for (const ch of path) {
    const c = ch.charCodeAt(0);
    if (ch.length === 1 && c >= 0xdc80 && c <= 0xdcff) {
      parts.push(c - 0xdc00);
    } else {
      checkSurrogates(ch);
      parts.push(...enc.encode(ch));
    }
  }
  return Uint8Array.from(parts);
}

function checkSurrogates(s: string) {
  if (
    /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(
      s
    )
  ) {
    throw new RangeError(`not a file name: ${JSON.stringify(s)}`);
  }
}

/** True when `path` holds bytes that are not valid UTF-8. */
export function hasRawBytes(path: string): boolean {
  return ESCAPED.test(path);
}

/**
 * Characters that must not reach a terminal as they are: C0 and C1 controls
 * (ESC starts escape sequences, CSI is U+009B), DEL, bidirectional overrides
 * and isolates that reorder what is shown, and lone surrogates (escaped
 * bytes or otherwise).
 */
const UNSAFE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// eslint-disable-next-line no-control-regex
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'g');

/** True when `text` holds a character `escapeUnsafe` would escape. */
export function hasUnsafe(text: string): boolean {
  return UNSAFE.test(text);
}

/**
 * `text` with every unsafe character written as an escape: `\n`, `\t`,
 * `\e`-free `\x1b`, `\xff` for an undecodable byte, `\u202e` for the rest.
 * Backslashes are left as they are: call `quoteName` where the result must
 * read back unambiguously.
 */
export function escapeUnsafe(text: string): string {
  return text.replace(UNSAFE_ALL, escapeOne);
}

function escapeOne(ch: string): string {
  const c = ch.charCodeAt(0);
  switch (ch) {
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
  }
  if (c >= 0xdc80 && c <= 0xdcff) {
    return `\\x${(c - 0xdc00).toString(16)}`;
  }
  if (c < 0x100) {
    return `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return `\\u${c.toString(16).padStart(4, '0')}`;
}

/**
 * A name for human output: as it is when harmless, else in double quotes
 * with `"` and `\` escaped and every unsafe character escaped (as git
 * quotes paths), so it can neither drive the terminal nor be confused with
 * another name.
 */
export function quoteName(name: string): string {
  if (!UNSAFE.test(name) && !/["\\]/.test(name)) {
    return name;
  }
  return `"${name.replace(/["\\]/g, '\\$&').replace(UNSAFE_ALL, escapeOne)}"`;
}
