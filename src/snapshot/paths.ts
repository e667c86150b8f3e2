/** Small helpers for root-relative, `/`-separated paths. */

/** Join a folder path (`''` is the root) and a name or relative path. */
export function joinPath(dir: string, name: string): string {
  return dir === '' ? name : name === '' ? dir : `${dir}/${name}`;
}

/** `path` relative to `dir`, which holds it (see `isInside`). */
export function relativeTo(dir: string, path: string): string {
  return dir === '' ? path : path.slice(dir.length + 1);
}

/** The folder part of a path (`''` for a path at the root). */
export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** The last segment of a path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Lower-cased extension with its dot (`.csv`), or `''` when there is none. */
export function extensionOf(path: string): string {
  const name = baseName(path);
  const i = name.lastIndexOf('.');
  return i <= 0 ? '' : name.slice(i).toLowerCase();
}

/** True when `path` is `dir` itself or lies inside it. */
export function isInside(path: string, dir: string): boolean {
  return dir === '' || path === dir || path.startsWith(`${dir}/`);
}

/**
 * Order two strings by their UTF-8 bytes, which is code point order. Plain
 * `<` compares UTF-16 units and puts astral characters (surrogates) before
 * U+E000–U+FFFF; shifting the ranges fixes that without encoding.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800) {
        x = x <= 0xdfff ? x + 0x2000 : x - 0x800;
      }
      if (y >= 0xd800) {
        y = y <= 0xdfff ? y + 0x2000 : y - 0x800;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}

/** Code units whose UTF-16 order differs from their code points' order. */
const SURROGATE_OR_ABOVE = /[\ud800-\uffff]/;

/**
 * Sorts records by path in UTF-8 byte order (`compareUtf8`), in place. When
 * no path holds a unit from U+D800 up, UTF-16 order is that order already
 * and the engine's own string comparison, several times faster, is used.
 */
export function sortByPath<T extends { path: string }>(items: T[]): T[] {
  if (items.some(x => SURROGATE_OR_ABOVE.test(x.path))) {
    return items.sort((a, b) => compareUtf8(a.path, b.path));
  }
  return items.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
