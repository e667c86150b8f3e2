/** Small text helpers of the submit targets (no DOM, no Jupyter). */

/** Quote a word for a POSIX shell only when it needs it. */
export function shellQuote(word: string): string {
  if (word !== '' && /^[\w@%+=:,./-]+$/u.test(word)) {
    return word;
  }
  return "'" + word.replace(/'/g, "'\"'\"'") + "'";
}

/**
 * The default job command for a notebook: `{notebook}` becomes its path
 * relative to the snapshot folder, shell-quoted. A name starting with `-`
 * gets `./` in front, or papermill would read it as an option.
 */
export function commandFor(template: string, notebook: string): string {
  const path = notebook.startsWith('-') ? `./${notebook}` : notebook;
  return template.split('{notebook}').join(shellQuote(path));
}

/**
 * `url` if it is an https URL, else null: a link the SDK hands back is
 * opened only if it cannot run script (`javascript:`) or leave TLS.
 */
export function httpsUrl(url: string | null | undefined): string | null {
  if (!url) {
    return null;
  }
  try {
    return new URL(url).protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

/**
 * An Azure ML experiment name from a notebook's name: letters, digits, `-`
 * and `_`, starting with a letter or digit, at most 255 characters.
 */
export function experimentNameFor(notebook: string): string {
  const name = notebook.slice(notebook.lastIndexOf('/') + 1);
  const stem = name.replace(/\.ipynb$/i, '');
  const clean = stem
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[^\w-]+/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '')
    .slice(0, 255);
  return clean === '' ? 'notebook-job' : clean;
}

/** A `/`-separated server path without `.`, empty segments or edges. */
export function normalizePath(path: string): string {
  return path
    .split('/')
    .filter(part => part !== '' && part !== '.')
    .join('/');
}
