/**
 * The helper kernel's operations, typed: what the rest of the extension
 * calls. Each is one request through the comm RPC (helper-rpc.ts); the
 * types and errors are the protocol's (helper-protocol.ts).
 */
import type { JSONObject, JSONValue } from '@lumino/coreutils';
import type { IInstalledSdks } from '../snapshot/sdk-detect.js';
import type { IDirEntry } from '../snapshot/types.js';
import {
  HelperKernelError,
  READ_CHUNK,
  decodeListing,
  type IAzureJobRequest,
  type IAzureJobResult,
  type ICopied,
  type ICopyPair,
  type IDataUploadRequest,
  type IDataUploadResult,
  type IHelperInfo,
  type IHelperStat,
  type IIncomplete,
  type IReadResult,
  type IRemoveResult,
  type IUpload,
  type IWalkListing,
  type IWalkOptions,
  type IWriteResult
} from './helper-protocol.js';
import { HelperRpc } from './helper-rpc.js';

/**
 * File work through a dedicated Python kernel, because the Contents API
 * hides dotfiles; and the Azure ML work that needs the notebook's SDKs.
 */
export class HelperKernel extends HelperRpc {
  ping(): Promise<IHelperInfo> {
    return this.call('ping', {});
  }

  /** Which Azure ML SDKs the helper kernel's Python can import. */
  installedSdks(): Promise<IInstalledSdks> {
    return this.call('installed_sdks', {});
  }

  /** The whole tree under `path` (server-relative) in one listing. */
  async walk(
    path: string,
    options: Omit<IWalkOptions, 'onChunk'> = {}
  ): Promise<IWalkListing> {
    return decodeListing(await this.walkBlob(path, options));
  }

  /**
   * `walk`'s listing as sent: zlib-compressed JSON, for a caller that
   * decodes it elsewhere (the listing worker). With `onChunk`, streamed:
   * this is then only the last chunk.
   */
  async walkBlob(
    path: string,
    options: IWalkOptions = {}
  ): Promise<Uint8Array> {
    const args: JSONObject = { path };
    if (options.base !== undefined) {
      args.base = options.base;
    }
    if (options.onChunk) {
      args.stream = true;
    }
    if (options.background) {
      args.background = true;
    }
    const { onChunk, onProgress } = options;
    const reply = await this.request('walk', args, {
      signal: options.signal,
      onProgress: (n, buffers) => {
        if (buffers[0]) {
          onChunk?.(buffers[0]);
        }
        onProgress?.(n);
      }
    });
    const blob = reply.buffers[0];
    if (!blob) {
      throw new HelperKernelError(
        'The helper sent a listing without data.',
        'Protocol',
        'walk',
        path
      );
    }
    return blob;
  }

  /** One folder level (used when a walk did not reach a folder). */
  list(path: string, base?: string): Promise<IDirEntry[]> {
    return this.call('list', base === undefined ? { path } : { path, base });
  }

  /** Up to `length` bytes of a file from `offset` (default: all, ≤ 64 MiB). */
  async read(
    path: string,
    options: { offset?: number; length?: number } = {}
  ): Promise<IReadResult> {
    const args: JSONObject = { path, offset: options.offset ?? 0 };
    if (options.length !== undefined) {
      args.length = options.length;
    }
    const { result, buffers } = await this.request('read', args);
    return { ...result, data: buffers[0] ?? new Uint8Array(0) };
  }

  /** A whole file, read in chunks; `sha256` when it came in one chunk. */
  async readFile(
    path: string,
    chunkSize = READ_CHUNK
  ): Promise<{ data: Uint8Array; sha256?: string }> {
    const first = await this.read(path, { length: chunkSize });
    if (first.eof) {
      return { data: first.data, sha256: first.sha256 };
    }
    const parts = [first.data];
    let offset = first.data.length;
    for (;;) {
      const next = await this.read(path, { offset, length: chunkSize });
      parts.push(next.data);
      offset += next.data.length;
      if (next.eof || next.data.length === 0) {
        break;
      }
    }
    const data = new Uint8Array(offset);
    let at = 0;
    for (const p of parts) {
      data.set(p, at);
      at += p.length;
    }
    return { data };
  }

  /** A file's bytes chunk by chunk, for zipping without holding it all. */
  async *readChunks(
    path: string,
    chunkSize = READ_CHUNK
  ): AsyncGenerator<Uint8Array> {
    let offset = 0;
    for (;;) {
      const r = await this.read(path, { offset, length: chunkSize });
      if (r.data.length > 0) {
        yield r.data;
      }
      offset += r.data.length;
      if (r.eof || r.data.length === 0) {
        return;
      }
    }
  }

  stat(path: string, options: { hash?: boolean } = {}): Promise<IHelperStat> {
    return this.call('stat', { path, hash: options.hash ?? false });
  }

  /**
   * Replace `path` with `text` (UTF-8) only if it still has the sha256
   * `expect`; `null` means it must not exist. Rejects with type `Changed`
   * (and writes nothing) otherwise.
   */
  writeAtomic(
    path: string,
    text: string,
    expect: string | null
  ): Promise<IWriteResult> {
    return this.call('write_atomic', { path, text, expect });
  }

  /** Create a new folder `base` (or `base-2`, ...) in `parent`; its path. */
  mkdirUnique(parent: string, base: string): Promise<string> {
    return this.call('mkdir_unique', { parent, base });
  }

  /**
   * Copy files into a folder made by `mkdirUnique`, verified by sha256.
   * On failure nothing of this call is left behind (type `CopyFailed`).
   */
  copyFiles(pairs: ICopyPair[]): Promise<ICopied[]> {
    return this.call('copy_files', {
      pairs: pairs.map(p => ({ src: p.src, dst: p.dst }))
    });
  }

  /** Roll back: remove files, then empty folders, that the helper created. */
  removeCreated(paths: string[]): Promise<IRemoveResult> {
    return this.call('remove_created', { paths });
  }

  /** Interrupted copies in `path` or right below it (any helper's). */
  findIncomplete(path: string): Promise<IIncomplete[]> {
    return this.call('find_incomplete', { path });
  }

  /** Remove what the journal of the interrupted copy in `folder` records. */
  discardIncomplete(folder: string): Promise<IRemoveResult> {
    return this.call('discard_incomplete', { folder });
  }

  /**
   * Submit an Azure ML command job whose code is `request.folder`, with
   * the SDK the request names. Rejects with a readable message and type
   * `SdkMissing`, `NoConfig`, `AuthFailed`, `Unreachable`,
   * `UnknownCompute`, `SnapshotTooBig` or `SdkError`, the Azure SDK's
   * exception class and text in `detail`.
   */
  submitAzureml(request: IAzureJobRequest): Promise<IAzureJobResult> {
    return this.call('submit_azureml', {
      sdk: request.sdk,
      folder: request.folder,
      command: request.command,
      compute: request.compute,
      environment: request.environment,
      experiment: request.experiment,
      display_name: request.displayName,
      ...(request.snapshotMaxBytes !== undefined
        ? { snapshot_max_bytes: request.snapshotMaxBytes }
        : {}),
      ...(request.inputs && request.inputs.length > 0
        ? { inputs: request.inputs as unknown as JSONValue }
        : {})
    });
  }

  /** The versions a data asset has in the notebook's workspace. */
  async dataVersions(
    sdk: 'v1' | 'v2',
    folder: string,
    name: string
  ): Promise<string[]> {
    const r = await this.call<{ versions: string[] }>('data_versions', {
      sdk,
      folder,
      name
    });
    return r.versions;
  }

  /**
   * Upload files and folders of `folder` and make them a data asset; rejects
   * with type `Cancelled`, `Offline`, `BadPath`, `BadRequest` or an SDK
   * error's. Progress: files uploaded so far.
   */
  uploadData(
    request: IDataUploadRequest,
    options: { onProgress?(files: number): void; signal?: AbortSignal } = {}
  ): Promise<IDataUploadResult> {
    return this.request(
      'upload_data',
      {
        sdk: request.sdk,
        folder: request.folder,
        paths: request.paths,
        name: request.name,
        version: request.version,
        keep: request.keep ?? null,
        description: request.description ?? ''
      },
      options
    ).then(r => r.result as unknown as IDataUploadResult);
  }

  /**
   * Start writing a file at `path` (refused inside folder `outside`, type
   * `InsideSnapshot`); it appears only on `uploadCommit`.
   */
  uploadBegin(path: string, outside: string): Promise<IUpload> {
    return this.call('upload_begin', { path, outside });
  }

  async uploadChunk(token: string, data: Uint8Array): Promise<void> {
    await this.request('upload_chunk', { token }, { buffers: [data] });
  }

  /** Fsync and move the file into place; type `Exists` if it appeared. */
  uploadCommit(
    token: string,
    overwrite: boolean
  ): Promise<{ path: string; size: number }> {
    return this.call('upload_commit', { token, overwrite });
  }

  async uploadAbort(token: string): Promise<void> {
    await this.call('upload_abort', { token });
  }

  async uploadDiscard(partial: string): Promise<void> {
    await this.call('upload_discard', { partial });
  }
}
