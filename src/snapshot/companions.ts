import { tally } from './accounting.js';
import { baseName, isInside, parentOf } from './paths.js';
import type { IFileRecord } from './types.js';

/** Why a file goes along with the notebook into a clean folder. */
export type CompanionReason = 'import' | 'path' | 'environment' | 'config';

export interface ICompanion {
  /** Relative to the notebook's folder; folders have no trailing slash. */
  path: string;
  kind: 'file' | 'dir';
  reason: CompanionReason;
  files: number;
  bytes: number;
  /** Pre-checked in the dialog (big referenced folders are not). */
  checked: boolean;
}

/** Files that describe a job's environment (the advisor keeps them too). */
export const ENVIRONMENT_FILES = [
  'requirements.txt',
  'environment.yml',
  'environment.yaml',
  'conda.yaml',
  'conda.yml'
];
/** Azure ML's workspace file, read by `from_config()`. */
export const AZUREML_CONFIG = 'config.json';
const CONFIG_FILES = [AZUREML_CONFIG, `.azureml/${AZUREML_CONFIG}`];
/** Referenced files and folders above this size are listed but left unchecked. */
const BIG_FOLDER_BYTES = 10 * 1024 * 1024;

/** The code cells of a notebook (nbformat 4 JSON), as text. */
export function codeCells(notebookJson: string): string[] {
  const nb = JSON.parse(notebookJson) as {
    cells?: { cell_type?: string; source?: string | string[] }[];
  };
  return (nb.cells ?? [])
    .filter(c => c.cell_type === 'code')
    .map(c => (Array.isArray(c.source) ? c.source.join('') : (c.source ?? '')));
}

/** Top-level module names imported by Python code. */
export function importedModules(code: string): string[] {
  const names = new Set<string>();
  for (const raw of code.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    let m = /^from\s+([A-Za-z_][\w.]*)\s+import\b/.exec(line);
    if (m) {
      names.add(m[1].split('.')[0]);
      continue;
    }
    m = /^import\s+(.+)$/.exec(line);
    if (m) {
      for (const part of m[1].split(',')) {
        const mod = part.trim().split(/\s+/)[0];
        if (/^[A-Za-z_][\w.]*$/.test(mod)) {
          names.add(mod.split('.')[0]);
        }
      }
    }
  }
  return [...names];
}

/** String literals of code that could be relative paths. */
export function pathLiterals(code: string): string[] {
  const out = new Set<string>();
  const re = /(['"])((?:\\.|(?!\1)[^\\\n])*)\1/g;
  for (let m = re.exec(code); m; m = re.exec(code)) {
    const text = m[2].replace(/^\.\//, '').replace(/\/+$/, '');
    if (text !== '' && !text.startsWith('/') && !text.includes('://')) {
      out.add(text);
    }
  }
  return [...out];
}

/**
 * What the notebook needs beside it: local modules it imports, files whose
 * relative paths appear in its code, environment files and Azure ML's
 * `config.json`. `files` are every file of the notebook's folder, with
 * paths relative to that folder.
 */
export function findCompanions(
  notebook: string,
  cells: string[],
  files: readonly IFileRecord[]
): ICompanion[] {
  const found = new Map<string, ICompanion>();
  const byPath = new Map(files.map(f => [f.path, f]));
  const folders = new Set<string>();
  for (const f of files) {
    for (let d = parentOf(f.path); d !== ''; d = parentOf(d)) {
      folders.add(d);
    }
  }
  const add = (path: string, reason: CompanionReason) => {
    if (path === notebook || found.has(path)) {
      return;
    }
    const file = byPath.get(path);
    if (file) {
      found.set(path, {
        path,
        kind: 'file',
        reason,
        files: 1,
        bytes: file.size,
        // A big data file named in code would make the clean copy big again.
        checked: reason !== 'path' || file.size <= BIG_FOLDER_BYTES
      });
    } else if (folders.has(path)) {
      const inside = files.filter(
        f =>
          isInside(f.path, path) && !f.path.split('/').includes('__pycache__')
      );
      const t = tally(inside);
      found.set(path, {
        path,
        kind: 'dir',
        reason,
        ...t,
        checked: reason === 'import' || t.bytes <= BIG_FOLDER_BYTES
      });
    }
  };
  const code = cells.join('\n');
  for (const mod of importedModules(code)) {
    add(`${mod}.py`, 'import');
    add(mod, 'import');
  }
  for (const literal of pathLiterals(code)) {
    add(literal, 'path');
  }
  for (const name of ENVIRONMENT_FILES) {
    add(name, 'environment');
  }
  for (const name of CONFIG_FILES) {
    add(name, 'config');
  }
  return [...found.values()];
}

/** The files to copy for the chosen companions (folders expanded). */
export function companionFiles(
  chosen: readonly ICompanion[],
  files: readonly IFileRecord[]
): IFileRecord[] {
  const out: IFileRecord[] = [];
  for (const f of files) {
    if (
      chosen.some(
        c =>
          (c.kind === 'file' && c.path === f.path) ||
          (c.kind === 'dir' &&
            isInside(f.path, c.path) &&
            !f.path.split('/').includes('__pycache__'))
      )
    ) {
      out.push(f);
    }
  }
  return out;
}

/** `analysis.ipynb` + `{name}-job` → `analysis-job`. */
export function cleanFolderName(notebook: string, pattern: string): string {
  const name = baseName(notebook).replace(/\.ipynb$/i, '');
  const out = pattern.split('{name}').join(name).trim();
  return out.replace(/[/\\]/g, '-') || `${name}-job`;
}
