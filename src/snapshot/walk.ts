import { joinPath } from './paths.js';
import type { IDirEntry, IFileRecord, IFileSystem, IWarning } from './types.js';

export interface IWalkOptions {
  /** Entries of the root when the caller already listed it. */
  rootEntries?: IDirEntry[];
  /** Identity of the root folder, for loop detection. */
  rootId?: string;
  /** True when folder `dir` may be skipped unread. */
  prune?(dir: string): boolean;
  /** Called now and then with the number of files seen so far. */
  onProgress?(filesSeen: number): void;
  signal?: AbortSignal;
}

export interface IWalkResult {
  /** Every file seen, in walk order. */
  files: IFileRecord[];
  /** Folders skipped unread because every file inside is excluded. */
  pruned: string[];
  warnings: IWarning[];
}

/** Thrown when the walk is cancelled through its signal. */
export class WalkCancelled extends Error {
  constructor() {
    super('The check was cancelled.');
    this.name = 'AbortError';
  }
}

interface IPending {
  path: string;
  /** Identities of this folder and its ancestors, for loop detection. */
  chain: ReadonlySet<string>;
  entries?: IDirEntry[];
  /** Reached through a link that points outside the root. */
  outside?: boolean;
}

/**
 * Walk a folder tree over any file system adapter: follow links (Azure ML
 * uploads what they point at), stop at loops, and report what cannot be read
 * instead of failing. Only a root that cannot be listed is an error.
 */
export async function walk(
  fs: IFileSystem,
  options: IWalkOptions = {}
): Promise<IWalkResult> {
  const files: IFileRecord[] = [];
  const pruned: string[] = [];
  const warnings: IWarning[] = [];
  const rootChain = new Set<string>(options.rootId ? [options.rootId] : []);
  const stack: IPending[] = [
    { path: '', chain: rootChain, entries: options.rootEntries }
  ];
  let lastReport = 0;

  while (stack.length > 0) {
    if (options.signal?.aborted) {
      throw new WalkCancelled();
    }
    const dir = stack.pop()!;
    let entries = dir.entries;
    if (!entries) {
      try {
        entries = await fs.list(dir.path);
      } catch (err) {
        if (dir.path === '') {
          throw err;
        }
        warnings.push({
          kind: 'unreadable',
          path: dir.path,
          message: `folder could not be read (${errorText(err)}); its files are left out`
        });
        continue;
      }
    }
    for (const entry of entries) {
      const path = joinPath(dir.path, entry.name);
      // One warning for the link that leaves the folder, not one for every
      // link met in the tree it leads to.
      if (entry.link?.outside && !dir.outside) {
        warnings.push({
          kind: 'link-outside',
          path,
          message: `link points outside the folder (to ${entry.link.target}); Azure ML uploads its target`
        });
      }
      if (entry.error !== undefined) {
        warnings.push(unreadable(entry, path));
        continue;
      }
      if (entry.kind === 'file') {
        files.push({ path, size: entry.size, mtime: entry.mtime });
      } else if (entry.kind === 'dir') {
        if (entry.id !== undefined && dir.chain.has(entry.id)) {
          warnings.push({
            kind: 'link-loop',
            path,
            message:
              'link leads back into a folder above it; not followed again'
          });
          continue;
        }
        if (options.prune?.(path)) {
          pruned.push(path);
          continue;
        }
        const chain =
          entry.id === undefined ? dir.chain : new Set(dir.chain).add(entry.id);
        stack.push({
          path,
          chain,
          outside: dir.outside || entry.link?.outside
        });
      } else {
        warnings.push({
          kind: 'special-file',
          path,
          message:
            'not a regular file or folder (device, socket or pipe); left out'
        });
      }
    }
    if (options.onProgress && files.length - lastReport >= 1000) {
      lastReport = files.length;
      options.onProgress(files.length);
    }
  }
  options.onProgress?.(files.length);
  return { files, pruned, warnings };
}

function unreadable(entry: IDirEntry, path: string): IWarning {
  if (entry.link?.dangling) {
    return {
      kind: 'dangling-link',
      path,
      message: `link target ${entry.link.target} does not exist; left out`
    };
  }
  if (entry.link?.loop) {
    return {
      kind: 'link-loop',
      path,
      message: 'link resolves to itself in a loop; left out'
    };
  }
  return {
    kind: 'unreadable',
    path,
    message: `could not be read (${entry.error}); left out`
  };
}

export function errorText(err: unknown): string {
  if (err && typeof err === 'object' && 'message' in err) {
    return String((err as Error).message);
  }
  return String(err);
}
