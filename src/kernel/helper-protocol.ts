/**
 * The helper kernel's protocol, as its Python side (src/kernel/helper/*.py)
 * speaks it: the comm target, the wire messages, what each operation takes
 * and returns, and the errors. Shared by the comm client (helper-rpc.ts),
 * the operations (helper-kernel.ts) and their users (submit/, guard/), so
 * none of them imports another for a type.
 */
import { strFromU8, unzlibSync } from 'fflate';
import type { IDataInput } from '../snapshot/data-asset.js';
import type { IDirEntry, Sdk } from '../snapshot/types.js';

/** The comm target registered by the helper (server.py). */
export const HELPER_TARGET = 'snapshot_guard';
/** Chunk size for reading big files (zipping). */
export const READ_CHUNK = 4 * 1024 * 1024;

/**
 * Why a helper request failed. `type` is the Python side's error type
 * (`BadPath`, `NotFound`, `PermissionDenied`, `Changed`, `Exists`,
 * `CopyFailed`, `Cancelled`, ...) or one of the client's own:
 * `NoPythonKernel` (fall back to the Contents API), `KernelStopped`,
 * `Disposed`, `StartFailed`.
 */
export class HelperKernelError extends Error {
  constructor(
    message: string,
    readonly type: string,
    readonly op?: string,
    readonly path?: string,
    /** Technical detail, e.g. the Azure SDK's exception class and text. */
    readonly detail?: string
  ) {
    super(message);
    // Callers that only know AbortSignal check the name.
    this.name = type === 'Cancelled' ? 'AbortError' : 'HelperKernelError';
  }
}

/**
 * What a user reads for each operation in messages; the wire names
 * (`write_atomic`, `walk`) mean nothing to them.
 */
const OPERATION_NAMES: Readonly<Record<string, string>> = {
  ping: 'start',
  installed_sdks: 'look-up of the installed SDKs',
  walk: 'folder listing',
  list: 'folder listing',
  read: 'file read',
  stat: 'file look-up',
  write_atomic: 'file write',
  mkdir_unique: 'creation of the new folder',
  copy_files: 'copy',
  remove_created: 'removal of the copy',
  find_incomplete: 'look-up of an interrupted copy',
  discard_incomplete: 'removal of an interrupted copy',
  upload_begin: 'archive upload',
  upload_chunk: 'archive upload',
  upload_commit: 'archive upload',
  upload_abort: 'archive upload',
  upload_discard: 'archive upload',
  submit_azureml: 'Azure ML submission',
  data_versions: 'look-up of the data asset versions',
  upload_data: 'data upload'
};

/** An operation's name for messages, e.g. `copy_files` -> `copy`. */
export function operationName(op: string): string {
  return OPERATION_NAMES[op] ?? op.replace(/_/g, ' ');
}

/** Everything `walk` saw under a folder, keyed by path relative to it. */
export interface IWalkListing {
  /** The walked folder, relative to the server root. */
  root: string;
  /** `dev:ino` of the walked folder, for the engine's loop detection. */
  rootId: string;
  /** Files seen (links to files included). */
  files: number;
  /** Every listed folder's entries; `''` is the walked folder. */
  dirs: Record<string, IDirEntry[]>;
  /** Folders that could not be listed, with the reason. */
  errors: Record<string, string>;
  /**
   * A folder reached again through another link path is listed once:
   * each later path maps to the first (see listedPath).
   */
  aliases?: Record<string, string>;
}

export interface IWalkOptions {
  onProgress?(filesSeen: number): void;
  signal?: AbortSignal;
  /**
   * Stream the listing: each chunk as the helper sends it (zlib JSON
   * shaped like `IWalkListing`, the root's first), in order; the walk's
   * own result then holds only the rest (see `ListingStream`).
   */
  onChunk?(blob: Uint8Array): void;
  /** Folder that `link.outside` is judged against (default: the walked one). */
  base?: string;
  /**
   * Background work (the meter's checks): the helper walks at a lower CPU
   * priority, yielding to the user's typing and kernels.
   */
  background?: boolean;
}

export interface IReadResult {
  data: Uint8Array;
  /** The file's size when read. */
  size: number;
  offset: number;
  eof: boolean;
  mtime: number;
  /** sha256 of the file, present when this read covered all of it. */
  sha256?: string;
}

export interface IHelperStat {
  kind: 'file' | 'dir' | 'other';
  size: number;
  mtime: number;
  sha256?: string;
}

export interface IWriteResult {
  path: string;
  size: number;
  sha256: string;
}

export interface ICopyPair {
  src: string;
  dst: string;
}

export interface ICopied extends ICopyPair {
  size: number;
  sha256: string;
}

export interface IRemoveResult {
  removed: string[];
  kept: { path: string; reason: string }[];
  missing: string[];
  /** Files still inside the folder of an interrupted copy. */
  left: string[];
}

/** A folder holding an interrupted copy (its journal, MARKER in helper/files.py). */
export interface IIncomplete {
  folder: string;
  files: number;
  bytes: number;
}

export interface IHelperInfo {
  protocol: number;
  versions: Record<string, string>;
  pid: number;
}

/** A `walk` listing as the helper sends it: zlib-compressed JSON. */
export function decodeListing(blob: Uint8Array): IWalkListing {
  return JSON.parse(strFromU8(unzlibSync(blob))) as IWalkListing;
}

/** Files and folders of a snapshot folder to make a data asset of. */
export interface IDataUploadRequest {
  sdk: 'v1' | 'v2';
  /** The snapshot folder (server-relative). */
  folder: string;
  /** Relative to `folder`. */
  paths: string[];
  name: string;
  version: string;
  /** The notebook (relative to `folder`): refused if a path holds it. */
  keep?: string;
  description?: string;
}

export interface IDataUploadResult {
  name: string;
  /** The version made (v1's register numbers it itself). */
  version: string;
  type: 'uri_folder' | 'uri_file';
  files: number;
  bytes: number;
  paths: string[];
}

/** One Azure ML command job, as the helper kernel submits it. */
export interface IAzureJobRequest {
  sdk: Sdk;
  /** The checked folder: the job's code (snapshot). */
  folder: string;
  command: string;
  compute: string;
  environment: string;
  experiment: string;
  /** Shown in the studio; the notebook's name. */
  displayName: string;
  /**
   * SDK v1 only: `SNAPSHOT_MAX_SIZE_BYTES` for this submission, restored
   * afterwards.
   */
  snapshotMaxBytes?: number;
  /** Data assets the job mounts (src/snapshot/data-asset.ts). */
  inputs?: IDataInput[];
}

export interface IAzureJobResult {
  /** The job's name (SDK v2) or run id (SDK v1). */
  name: string;
  /** The job's page in Azure ML studio, when the SDK gave one. */
  studioUrl: string | null;
  status: string | null;
  experiment: string;
  /** Distribution name and version used, e.g. `azure-ai-ml 1.20.0`. */
  sdk: string;
}

/** A zip being written to the server, invisible until committed. */
export interface IUpload {
  token: string;
  /** The final path. */
  path: string;
  /** True when a file already exists at `path`. */
  exists: boolean;
  /**
   * A named partial file to remove if the kernel dies before the commit;
   * `null` when the partial file is anonymous (it vanishes with the kernel).
   */
  partial: string | null;
}

/** A message on the comm: a request's reply, or its progress. */
export interface IReplyData {
  id?: string;
  ok?: boolean;
  result?: any;
  error?: { type?: string; message?: string; path?: string; detail?: string };
  /** Progress; a streamed walk's chunk is its buffer. */
  progress?: number;
}
