/** What a cell's output says about an Azure ML snapshot failure. */
export interface ISnapshotFailure {
  /** Which limit the SDK reported. */
  limits: ('bytes' | 'files')[];
  /** The folder named by "While attempting to take snapshot of …", if any. */
  folder: string | null;
}

const SIZE = /Your total snapshot size exceeds the limit of [\d.]+ MB/;
const FILES = /Your project exceeds the file limit of \d+/;
const FOLDER = /While attempting to take snapshot of (.+?)\s*$/m;
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

/**
 * Recognise the SDK's snapshot error (`SnapshotException`) in output text,
 * also inside tracebacks with colour codes. Null when it is not there.
 */
export function parseSnapshotFailure(text: string): ISnapshotFailure | null {
  const plain = text.replace(ANSI, '');
  const limits: ISnapshotFailure['limits'] = [];
  if (SIZE.test(plain)) {
    limits.push('bytes');
  }
  if (FILES.test(plain)) {
    limits.push('files');
  }
  if (limits.length === 0) {
    return null;
  }
  const m = FOLDER.exec(plain);
  return { limits, folder: m ? m[1].trim() : null };
}

/**
 * The server-relative form of an absolute folder the SDK named, given the
 * server's root; null when it lies outside the root or the root is unknown.
 */
export function serverRelative(
  absolute: string,
  serverRoot: string | null
): string | null {
  const clean = (p: string) => p.replace(/\\/g, '/').replace(/\/+$/, '');
  const abs = clean(absolute);
  if (!serverRoot || serverRoot.startsWith('~')) {
    return null;
  }
  const root = clean(serverRoot);
  if (abs === root) {
    return '';
  }
  return abs.startsWith(`${root}/`) ? abs.slice(root.length + 1) : null;
}
