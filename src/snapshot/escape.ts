/**
 * Ignore-file lines that name one exact path, for the advisor.
 *
 * The line is anchored (leading `/`) and every character pathspec's
 * gitwildmatch treats specially is escaped with `\`. Two things cannot be
 * escaped that way:
 * - A trailing blank: the SDK strips it, and `\ ` at the end of a line is an
 *   error for pathspec (it strips the space and is left with a lone `\`).
 *   The last character goes into a one-member bracket expression instead,
 *   `trail[ ]`, which matches exactly that character.
 * - A line break (`\n`, `\r`): a line cannot hold one. It becomes `?`, which
 *   also matches any other single character there; see `canEscapeExactly`.
 */
import { isStrippedBlank } from './rules.js';

export interface IEscapeOptions {
  /** Name the folder `path` and everything inside it (trailing `/`). */
  dir?: boolean;
}

/** Characters with a meaning in a gitwildmatch line. `#` and `!` only at its start, escaped anyway. */
const SPECIAL = new Set(['\\', '*', '?', '[', ']', '#', '!']);

/** Lone surrogates cannot be written to a UTF-8 file. */
const UNWRITABLE =
  /[\r\n]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * True when `escapePattern(path)` matches `path` and nothing else. False for
 * a path holding a line break or an unpaired surrogate: its line uses `?`
 * there, so the caller must check that no other file matches it.
 */
export function canEscapeExactly(path: string): boolean {
  return !UNWRITABLE.test(path);
}

/**
 * An anchored line that matches exactly the file `path` (relative to the
 * snapshot root, `/`-separated), or with `dir` exactly the folder `path` and
 * everything inside it, under the SDK's pathspec semantics.
 */
export function escapePattern(path: string, opts: IEscapeOptions = {}): string {
  const segs = path.replace(/^\/+|\/+$/g, '').split('/');
  let line =
    '/' +
    segs
      .map(seg => {
        let out = '';
        for (const ch of seg) {
          if (UNWRITABLE.test(ch)) {
            out += '?';
          } else {
            out += SPECIAL.has(ch) ? `\\${ch}` : ch;
          }
        }
        return out;
      })
      .join('/');
  if (opts.dir) {
    return `${line}/`;
  }
  const last = line.charAt(line.length - 1);
  if (isStrippedBlank(last)) {
    line = `${line.slice(0, -1)}[${last}]`;
  }
  return line;
}
