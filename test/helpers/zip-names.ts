import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

export interface IZipEntry {
  /** The name's bytes as stored, in hex. */
  name: string;
  /** The UTF-8 flag (bit 11). */
  utf8: boolean;
  /** The content, as latin-1 (one character per byte). */
  content: string;
}

/**
 * A zip's entries as Python's zipfile (the reference) reads them, after its
 * own integrity test. zipfile reads a name without the UTF-8 flag as cp437,
 * so encoding it back gives the stored bytes.
 */
export function zipEntries(zip: string): IZipEntry[] {
  const p = spawnSync(
    '/usr/bin/python3',
    [
      '-c',
      String.raw`
import zipfile, sys, json
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
out = []
for i in z.infolist():
    utf8 = bool(i.flag_bits & 0x800)
    raw = i.filename.encode('utf-8' if utf8 else 'cp437')
    out.append({'name': raw.hex(), 'utf8': utf8, 'content': z.read(i).decode('latin-1')})
print(json.dumps(out))
`,
      zip
    ],
    { encoding: 'utf8', maxBuffer: 256 << 20 }
  );
  assert.equal(p.status, 0, p.stderr);
  return JSON.parse(p.stdout) as IZipEntry[];
}

/** Hex of a name given as bytes (an array) or as UTF-8 text. */
export function hexName(name: number[] | string): string {
  return (
    typeof name === 'string' ? Buffer.from(name, 'utf8') : Buffer.from(name)
  ).toString('hex');
}
