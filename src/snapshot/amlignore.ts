import type { IScan } from './scan.js';

export const BLOCK_START =
  '# >>> jupyterlab-snapshot-guard: keeps the Azure ML code snapshot within its limits';
export const BLOCK_END = '# <<< jupyterlab-snapshot-guard';
export const CARRIED_NOTE = [
  '# Azure ML reads .amlignore instead of .gitignore, never both: the',
  '# .gitignore rules below were copied here so they still apply.'
];

export interface IAmlignoreText {
  /** The whole new content of `.amlignore`. */
  text: string;
  /** `append` keeps an existing `.amlignore` byte for byte as its start. */
  mode: 'create' | 'append';
}

/**
 * The `.amlignore` to write for these lines. An existing `.amlignore` is kept
 * and the lines go after it in a marked block; a new one first carries over
 * the active `.gitignore`, which it replaces.
 */
export function composeAmlignore(
  scan: Pick<IScan, 'ignoreFile' | 'ignoreText'>,
  lines: readonly string[]
): IAmlignoreText {
  const block = [BLOCK_START, ...lines, BLOCK_END, ''].join('\n');
  if (scan.ignoreFile === '.amlignore') {
    const old = scan.ignoreText ?? '';
    const sep = old === '' || old.endsWith('\n') ? '' : '\n';
    return { text: `${old}${sep}${block}`, mode: 'append' };
  }
  if (scan.ignoreFile === '.gitignore') {
    const old = scan.ignoreText ?? '';
    const sep = old === '' || old.endsWith('\n') ? '' : '\n';
    const head = [...CARRIED_NOTE, ''].join('\n');
    return { text: `${head}${old}${sep}\n${block}`, mode: 'create' };
  }
  return { text: block, mode: 'create' };
}
