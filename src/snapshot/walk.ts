import { joinPath } from './paths.js';
import type {
  IDirEntry,
  IFileRecord,
  IFileSystem,
  ISpecialRecord,
  IWarning
} from './types.js';
import { errorMessage } from './errors.js';

export interface IWalkOptions {
  /** Entries of the root when the caller already listed it. */
  rootEntries?: IDirEntry[];
  /** Identity of the root folder, for loop detection. */
  rootId?: string;
  /** True when folder `dir` may be skipped unread (no rule can bring back anything inside). */
  prune?(dir: string): boolean;
  /**
   * azureml-core only: is this entry (file or folder, no trailing slash)
   * excluded by its own path? A folder reached through a link that is
   * excluded, or lies in an excluded folder, is seen by neither of v1's
   * walks, so it is skipped unread.
   */
  excludesV1?(path: string): boolean;
  /**
   * Called now and then with the number of files seen so far, and the
   * files themselves: the walk's list as it grows (only ever appended to).
   */
  onProgress?(filesSeen: number, files: readonly IFileRecord[]): void;
  /** New files between two calls of `onProgress` (default 1000; 1: every folder with files). */
  progressEvery?: number;
  signal?: AbortSignal;
}

export interface IWalkResult {
  /** Every file seen, in walk order. */
  files: IFileRecord[];
  /** What is neither a file nor a folder that can be listed (failure candidates). */
  specials: ISpecialRecord[];
  /** Folders skipped unread because every file inside is excluded. */
  pruned: string[];
  /** Folders behind a link skipped unread because v1 never walks them. */
  skippedLinks: string[];
  warnings: IWarning[];
  /** False when the walk stopped repeating folders reached again through links. */
  complete: boolean;
}

/**
 * How many times, in all, folders already walked may be walked again
 * through another link path. Each SDK walks such a folder once per path, so
 * link "diamonds" stacked n deep cost 2^n; past this budget the walk stops
 * repeating and says so instead of hanging.
 */
export const MAX_FOLDER_REPEATS = 4096;

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
  /** Reached through a link to a folder (v1's size check never gets here). */
  viaLink: boolean;
  /** A folder on the way is excluded (v1's upload walk never gets here). */
  blocked: boolean;
}

/**
 * One pass over a folder tree that yields what every SDK walk needs: links
 * are followed (both SDKs' upload walks do), and each file records whether
 * it lies behind a link to a folder (azureml-core's size check does not
 * follow those). Loops stop at the link that closes them, a folder reached
 * again through another link is walked again (the SDKs upload it once per
 * path) within a budget, and what cannot be read is reported instead of
 * failing. Only a root that cannot be listed is an error.
 */
export async function walk(
  fs: IFileSystem,
  options: IWalkOptions = {}
): Promise<IWalkResult> {
  const files: IFileRecord[] = [];
  const specials: ISpecialRecord[] = [];
  const pruned: string[] = [];
  const skippedLinks: string[] = [];
  const warnings: IWarning[] = [];
  const rootChain = new Set<string>(options.rootId ? [options.rootId] : []);
  const stack: IPending[] = [
    {
      path: '',
      chain: rootChain,
      entries: options.rootEntries,
      viaLink: false,
      blocked: false
    }
  ];
  // Folder identity -> the first path it was walked at.
  const seen = new Map<string, string>();
  if (options.rootId) {
    seen.set(options.rootId, '');
  }
  let repeats = 0;
  let complete = true;
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
        specials.push({
          path: dir.path,
          what: 'unreadable-dir',
          viaLink: dir.viaLink,
          detail: errorMessage(err)
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
        if (entry.link?.dangling || entry.link?.loop) {
          specials.push({
            path,
            what: entry.link.loop ? 'self-loop' : 'dangling-link',
            viaLink: dir.viaLink,
            detail: entry.link.target
          });
        } else {
          warnings.push({
            kind: 'unreadable',
            path,
            message: `could not be read (${entry.error}); left out`
          });
        }
        continue;
      }
      if (entry.kind === 'file') {
        const rec: IFileRecord = { path, size: entry.size, mtime: entry.mtime };
        if (dir.viaLink) {
          rec.viaLink = true;
        }
        if (entry.readable === false) {
          rec.unreadable = true;
        }
        files.push(rec);
      } else if (entry.kind === 'dir') {
        if (entry.id !== undefined && dir.chain.has(entry.id)) {
          specials.push({
            path,
            what: 'link-loop',
            viaLink: dir.viaLink,
            detail: entry.link?.target ?? ''
          });
          continue;
        }
        if (options.prune?.(path)) {
          pruned.push(path);
          continue;
        }
        const viaLink = dir.viaLink || entry.link !== undefined;
        const blocked =
          options.excludesV1 !== undefined &&
          (dir.blocked || options.excludesV1(path));
        if (viaLink && blocked) {
          skippedLinks.push(path);
          continue;
        }
        if (entry.id !== undefined) {
          const first = seen.get(entry.id);
          if (first === undefined) {
            seen.set(entry.id, path);
          } else {
            if (repeats === 0) {
              warnings.push({
                kind: 'link-repeat',
                path,
                message: `this folder was already walked as ${first === '' ? 'the root' : JSON.stringify(first)}; Azure ML uploads it again under this path`
              });
            }
            if (++repeats > MAX_FOLDER_REPEATS) {
              if (complete) {
                complete = false;
                warnings.push({
                  kind: 'link-blowup',
                  path,
                  message: `links reach the same folders more than ${MAX_FOLDER_REPEATS} times; the SDK would walk every one of those paths (their number can double with each level of links), so the upload may take very long or never finish. The figures count only the first ${MAX_FOLDER_REPEATS} repeats: remove or exclude the links`
                });
              }
              continue;
            }
          }
        }
        const chain =
          entry.id === undefined ? dir.chain : new Set(dir.chain).add(entry.id);
        stack.push({
          path,
          chain,
          outside: dir.outside || entry.link?.outside,
          viaLink,
          blocked
        });
      } else {
        specials.push({
          path,
          what: 'special',
          viaLink: dir.viaLink,
          detail: ''
        });
      }
    }
    if (
      options.onProgress &&
      files.length - lastReport >= (options.progressEvery ?? 1000)
    ) {
      lastReport = files.length;
      options.onProgress(files.length, files);
    }
  }
  options.onProgress?.(files.length, files);
  return { files, specials, pruned, skippedLinks, warnings, complete };
}
