/**
 * What each SDK makes of the files one walk saw (spec sections 3.1-3.3).
 *
 * azureml-core (v1) walks twice:
 * - the size check (`azureml/_file_utils/file_utils.py` `get_directory_size`)
 *   is `os.walk` without following links to folders; each file is matched
 *   on its own and `os.path.getsize` summed, unreadable ones included;
 * - the upload list and file count (`azureml/_base_sdk_common/merkle_tree.py`
 *   `_create_merkletree_helper`) is a sorted `listdir` recursion that
 *   matches EVERY entry by its path, folders without a trailing slash, and
 *   never enters an excluded folder; `isfile` (following links) decides
 *   file or folder, so anything else is listed as a folder, and a file that
 *   fails `os.access(R_OK)` is left out ("Cannot access file, so excluded
 *   from snapshot").
 *
 * azure-ai-ml (v2, `_asset_utils.py` `_get_upload_files_from_folder`) walks
 * once with `os.walk(followlinks=True)` and matches each file on its own.
 */
import { parentOf } from './paths.js';
import type { RuleSet } from './rules.js';
import type {
  IFailure,
  IFileRecord,
  ISpecialRecord,
  IWarning,
  Sdk
} from './types.js';

export const SDK_NAMES: Record<Sdk, string> = {
  v1: 'azureml-core',
  v2: 'azure-ai-ml'
};

/** The upload walk's view of one folder: which excluded folder above stops it. */
export class FolderBlocker {
  private readonly _cache = new Map<string, string | null>([['', null]]);

  constructor(private readonly _rules: RuleSet) {}

  /**
   * The outermost folder at or above `dir` that v1's upload walk never
   * enters (it is excluded by its own path), or null.
   */
  of(dir: string): string | null {
    const hit = this._cache.get(dir);
    if (hit !== undefined) {
      return hit;
    }
    const above = this.of(parentOf(dir));
    const result = above ?? (this._rules.excludes(dir) ? dir : null);
    this._cache.set(dir, result);
    return result;
  }
}

export interface ISdkFiles {
  /** The upload list (unsorted). */
  included: IFileRecord[];
  uploadBytes: number;
  /** What the SDK compares with its byte limit. */
  totalBytes: number;
  /** v1: files the size check counts that the upload walk never reaches. */
  hidden: Array<{ file: IFileRecord; folder: string }>;
  /** Files matched out, and left out as unreadable. */
  excludedFiles: number;
  excludedBytes: number;
  unreadable: IFileRecord[];
}

/** Apply one SDK's walks to the files a scan saw. */
export function sdkFiles(
  files: readonly IFileRecord[],
  rules: RuleSet
): ISdkFiles {
  const v1 = rules.sdk === 'v1';
  const blocker = v1 ? new FolderBlocker(rules) : null;
  const included: IFileRecord[] = [];
  const hidden: ISdkFiles['hidden'] = [];
  const unreadable: IFileRecord[] = [];
  let uploadBytes = 0;
  let sizeBytes = 0;
  let excludedFiles = 0;
  let excludedBytes = 0;
  // The walk lists a folder's files together: each folder is looked up
  // once per run of its files, not once per file.
  let dir = '';
  let dirEnd = -1;
  let dirBlocked: string | null = null;
  for (const f of files) {
    const slash = f.path.lastIndexOf('/');
    if (slash !== dirEnd || !f.path.startsWith(dir)) {
      dir = slash < 0 ? '' : f.path.slice(0, slash);
      dirEnd = slash;
      dirBlocked = blocker ? blocker.of(dir) : null;
    }
    const out = rules.excludesIn(dir, f.path.slice(slash + 1));
    if (!out && !f.viaLink) {
      sizeBytes += f.size;
    }
    const folder = out ? null : dirBlocked;
    if (out || folder !== null || f.unreadable) {
      excludedFiles++;
      excludedBytes += f.size;
      if (folder !== null && !f.viaLink) {
        hidden.push({ file: f, folder });
      }
      if (!out && folder === null && f.unreadable) {
        unreadable.push(f);
      }
      continue;
    }
    included.push(f);
    uploadBytes += f.size;
  }
  return {
    included,
    uploadBytes,
    totalBytes: v1 ? sizeBytes : uploadBytes,
    hidden,
    excludedFiles,
    excludedBytes,
    unreadable
  };
}

/** What makes the SDK's submission fail, with the path. */
export function sdkFailures(
  specials: readonly ISpecialRecord[],
  unreadable: readonly IFileRecord[],
  rules: RuleSet
): { failures: IFailure[]; warnings: IWarning[] } {
  const failures: IFailure[] = [];
  const warnings: IWarning[] = [];
  const v1 = rules.sdk === 'v1';
  const blocker = v1 ? new FolderBlocker(rules) : null;
  for (const s of specials) {
    const out = rules.excludes(s.path);
    // v1's upload walk lists it (not excluded, no excluded folder above):
    // `isfile` is false, so it is entered as a folder.
    const listed = !out && (!blocker || blocker.of(parentOf(s.path)) === null);
    // v1's size check lists it as a file (folders behind links are not walked).
    const sized = !out && !s.viaLink;
    if (v1) {
      const f = v1Failure(s, listed, sized);
      if (f) {
        failures.push(f);
        continue;
      }
    }
    if (out) {
      continue;
    }
    if (!v1) {
      const f = v2Failure(s);
      if (f) {
        failures.push(f);
        continue;
      }
    }
    warnings.push(v2OrHarmless(s, v1));
  }
  for (const f of unreadable) {
    if (v1) {
      warnings.push({
        kind: 'unreadable',
        path: f.path,
        message:
          'cannot be read: azureml-core leaves it out ("Cannot access file, so excluded from snapshot") but still counts its size toward the limit'
      });
    } else {
      failures.push({
        kind: 'unreadable-file',
        path: f.path,
        message:
          'cannot be read: azure-ai-ml fails when it hashes and uploads it (permission denied); exclude it or make it readable'
      });
    }
  }
  return { failures, warnings };
}

function v1Failure(
  s: ISpecialRecord,
  listed: boolean,
  sized: boolean
): IFailure | null {
  switch (s.what) {
    case 'dangling-link':
    case 'self-loop':
      if (!listed && !sized) {
        return null;
      }
      return {
        kind: s.what === 'self-loop' ? 'link-loop' : 'dangling-link',
        path: s.path,
        message: `${s.what === 'self-loop' ? 'link resolves to itself in a loop' : `link target ${s.detail} does not exist`}: azureml-core fails on it (${sized ? '`os.path.getsize` in its size check' : '`os.path.getmtime` in its upload walk'} raises); exclude it or remove the link`
      };
    case 'special':
      return listed
        ? {
            kind: 'special-file',
            path: s.path,
            message:
              'not a regular file or folder (FIFO, socket or device): azureml-core takes it for a folder and fails to list it; exclude it or remove it'
          }
        : null;
    case 'link-loop':
      return listed
        ? {
            kind: 'link-loop',
            path: s.path,
            message:
              'link leads back into a folder above it: azureml-core follows it again and again until the system refuses the path, and the submission fails; exclude it or remove the link'
          }
        : null;
    case 'unreadable-dir':
      return listed
        ? {
            kind: 'unreadable-dir',
            path: s.path,
            message: `folder cannot be listed (${s.detail}): azureml-core's upload walk fails on it; exclude it or make it readable`
          }
        : null;
  }
}

/**
 * azure-ai-ml lists every non-folder among `os.walk`'s files and, for each
 * one not excluded, `upload_directory` calls `os.path.getsize` (a dangling
 * link or the last link of a loop raises) and `upload_file` opens it (a
 * FIFO blocks for ever, a socket fails): `_asset_utils.py`,
 * Azure/azure-sdk-for-python 3e0c372255eb54af2b83e9d856fa0a728d533521.
 * An unreadable folder is skipped by `os.walk` without a word.
 */
function v2Failure(s: ISpecialRecord): IFailure | null {
  switch (s.what) {
    case 'dangling-link':
      return {
        kind: 'dangling-link',
        path: s.path,
        message: `link target ${s.detail} does not exist: azure-ai-ml fails on it (\`os.path.getsize\` raises); exclude it or remove the link`
      };
    case 'self-loop':
    case 'link-loop':
      return {
        kind: 'link-loop',
        path: s.path,
        message:
          'link leads back into a folder above it: azure-ai-ml follows it until the system refuses the path, then fails to read the last link; exclude it or remove the link'
      };
    case 'special':
      return {
        kind: 'special-file',
        path: s.path,
        message:
          'not a regular file or folder (FIFO, socket or device): azure-ai-ml tries to upload it and blocks or fails; exclude it or remove it'
      };
    default:
      return null;
  }
}

function v2OrHarmless(s: ISpecialRecord, v1: boolean): IWarning {
  const sdk = v1 ? 'azureml-core' : 'azure-ai-ml';
  switch (s.what) {
    case 'dangling-link':
      return {
        kind: 'dangling-link',
        path: s.path,
        message: `link target ${s.detail} does not exist; ${sdk} cannot upload it`
      };
    case 'self-loop':
      return {
        kind: 'link-loop',
        path: s.path,
        message: `link resolves to itself in a loop; ${sdk} cannot upload it`
      };
    case 'special':
      return {
        kind: 'special-file',
        path: s.path,
        message: `not a regular file or folder (FIFO, socket or device); ${sdk} does not upload it`
      };
    case 'link-loop':
      return {
        kind: 'link-loop',
        path: s.path,
        message: `link leads back into a folder above it; ${sdk} follows it again and again until the system refuses (about 40 levels), uploading the same files many times: exclude it`
      };
    case 'unreadable-dir':
      return {
        kind: 'unreadable',
        path: s.path,
        message: `folder could not be read (${s.detail}); its files are left out`
      };
  }
}
