/**
 * Shared shapes of the snapshot engine. Nothing here touches the DOM or Node,
 * so the browser, the CLI and the tests use the same engine.
 */

/** One entry of a folder listing, with symbolic links already resolved. */
export interface IDirEntry {
  /** The entry's own name (no slash). */
  name: string;
  /** What the entry is after following a link: a file, a folder or neither. */
  kind: 'file' | 'dir' | 'other';
  /** `st_size` in bytes (the target's for a link to a file); 0 for folders. */
  size: number;
  /** Modification time in ms since the epoch, when known. */
  mtime?: number;
  /**
   * A stable identity of a folder (for example `dev:ino`), used to detect
   * link loops. Adapters that cannot tell leave it out.
   */
  id?: string;
  /** Present when the entry is a symbolic link. */
  link?: ILinkInfo;
  /** Set when the entry could not be read: it is left out and reported. */
  error?: string;
  /**
   * False when the file exists but cannot be opened for reading (what
   * Python's `os.access(path, os.R_OK)` answers). Absent means readable.
   */
  readable?: boolean;
}

/** What an adapter knows about a symbolic link. */
export interface ILinkInfo {
  /** The link text as stored. */
  target: string;
  /** True when the resolved target lies outside the snapshot root. */
  outside: boolean;
  /** True when the target does not exist. */
  dangling: boolean;
  /** True when resolving the link runs in circles. */
  loop?: boolean;
}

/**
 * The small file-system interface every walk runs on: Node's `fs`, a helper
 * kernel, or the Jupyter Contents API. Paths are relative to the snapshot
 * root, `/`-separated, and `''` is the root itself.
 */
export interface IFileSystem {
  /** List one folder level. Rejects when the folder cannot be read. */
  list(path: string): Promise<IDirEntry[]>;
  /** Read a whole (small) file, such as an ignore file. */
  read(path: string): Promise<Uint8Array>;
}

/** A file seen by the walk. */
export interface IFileRecord {
  /** Path relative to the root, `/`-separated. */
  path: string;
  size: number;
  mtime?: number;
  /** Reached through a link to a folder: azureml-core's size check never sees it. */
  viaLink?: boolean;
  /** Cannot be opened for reading. */
  unreadable?: boolean;
}

/**
 * Something a walk met that is neither a readable file nor a folder it can
 * list: harmless when excluded, fatal to an SDK that tries to read it.
 */
export interface ISpecialRecord {
  path: string;
  what:
    'dangling-link' | 'self-loop' | 'link-loop' | 'special' | 'unreadable-dir';
  /** Reached through a link to a folder. */
  viaLink: boolean;
  /** The link target, or why a folder could not be listed. */
  detail: string;
}

/** Something the user should know that does not stop the check. */
export interface IWarning {
  kind:
    | 'unreadable'
    | 'link-outside'
    | 'link-loop'
    | 'dangling-link'
    | 'special-file'
    | 'ignore-file'
    | 'link-repeat'
    | 'link-blowup'
    | 'walks-disagree'
    | 'dead-line';
  path: string;
  message: string;
}

/** A limit profile: what Azure ML enforces, or what the user set. */
export interface ILimits {
  /** Profile name, such as `azureml-v1`. */
  profile: string;
  /** Fail above this many bytes; `null` for no byte limit. */
  maxBytes: number | null;
  /** Fail above this many files; `null` for no file limit. */
  maxFiles: number | null;
  /** Warn (not fail) above this many bytes; `null` for none. */
  warnBytes: number | null;
  /** An empty snapshot is an error (SDK v2). */
  emptyIsError: boolean;
  /** Fraction of a limit at which the verdict becomes `near` (default 0.8). */
  nearFraction: number;
}

export type Verdict = 'ok' | 'near' | 'over';
export type Sdk = 'v1' | 'v2';

/** Something that makes the SDK's submission fail before any upload. */
export interface IFailure {
  kind:
    | 'dangling-link'
    | 'link-loop'
    | 'special-file'
    | 'unreadable-dir'
    | 'unreadable-file';
  path: string;
  message: string;
}

/** A line of the ignore file that has no effect under the SDK. */
export interface IDeadLine {
  source: string;
  line: number;
  text: string;
  reason: string;
}
