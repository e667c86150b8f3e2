/**
 * The snapshot archive target: exactly the upload list as a zip, streamed
 * with fflate from chunks the helper kernel reads, then downloaded by the
 * browser or written (atomically) to a server path outside the folder.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { formatBytes, formatCount } from '../snapshot/format.js';
import {
  packZip,
  zipLimitProblem,
  type IPackEntry,
  type IPackProgress
} from '../snapshot/packer.js';
import type { ISubmitContext, ISubmitTarget } from '../tokens.js';
import { SubmitCancelled, SubmitError, helperErrorType } from './errors.js';
import type { IUpload } from '../kernel/helper-protocol.js';
import type { ISubmitHelper } from './helper.js';
import { archiveName, defaultServerPath } from './model.js';
import { normalizePath } from './shell.js';
import { isInside } from '../snapshot/paths.js';
import { folderLabel } from '../ui/words.js';
import { errorMessage } from '../snapshot/errors.js';
import { ProgressToast } from '../ui/progress-toast.js';
import { confirm } from '../ui/confirm.js';
import { readAhead } from './read-ahead.js';

export const ARCHIVE_TARGET = 'archive';
/** Bytes per read request; also the most a read holds in memory. */
export const ARCHIVE_CHUNK = 4 * 1024 * 1024;
/** Files and bytes read ahead of the packer (see read-ahead.ts). */
const READ_AHEAD = { files: 32, bytes: 8 * 1024 * 1024 };
/** Zip bytes gathered into one upload request (each is a round trip). */
const UPLOAD_BATCH = 1024 * 1024;

export interface IArchiveTargetOptions {
  helper(): Promise<ISubmitHelper>;
  trans: TranslationBundle;
  /** Hands a finished zip to the browser (default: an anchor download). */
  download?(blob: Blob, name: string): void;
}

export function archiveTarget(options: IArchiveTargetOptions): ISubmitTarget {
  const { trans } = options;
  return {
    id: ARCHIVE_TARGET,
    label: trans.__('Snapshot archive (zip)'),
    describe: () =>
      trans.__(
        'Packs exactly the files Azure ML would upload into a zip, read through the helper kernel, and downloads it or saves it on the server.'
      ),
    fields: where => [
      {
        id: 'destination',
        label: trans.__('Save to'),
        default: 'download',
        options: [
          { value: 'download', label: trans.__('Browser download') },
          ...(where.folder === ''
            ? []
            : [{ value: 'server', label: trans.__('A path on the server') }])
        ]
      },
      {
        id: 'serverPath',
        label: trans.__('Server path'),
        default: defaultServerPath(where.folder),
        description: trans.__(
          'Relative to the server root and outside the snapshot folder, so the zip does not end up in the next snapshot.'
        ),
        when: { field: 'destination', equals: 'server' },
        code: true
      }
    ],
    validate: (values, where) => {
      if (values.destination !== 'server') {
        return null;
      }
      const path = normalizePath(values.serverPath ?? '');
      if (path === '') {
        return trans.__('Enter a server path for the zip.');
      }
      if (path.split('/').includes('..') || values.serverPath.startsWith('/')) {
        return trans.__(
          'Enter a path relative to the server root, without “..”.'
        );
      }
      if (isInside(normalizePath(path), where.folder)) {
        return trans.__(
          'The zip must be saved outside the snapshot folder %1, or it becomes part of the next snapshot.',
          folderLabel(trans, where.folder)
        );
      }
      return null;
    },
    submit: context => packArchive(context, options)
  };
}

interface ISink {
  write(chunk: Uint8Array): Promise<void>;
  /** Finish; returns where the zip went, for the message. */
  commit(): Promise<string>;
  /**
   * Drop everything written; never throws. `kernelGone`: the helper kernel
   * died, so what only it held is gone already.
   */
  discard(kernelGone: boolean): Promise<void>;
}

async function packArchive(
  context: ISubmitContext,
  options: IArchiveTargetOptions
): Promise<void> {
  const { trans } = options;
  const { folder, report } = context;
  const label = folderLabel(trans, folder);
  const entries: IPackEntry[] = report.included.map(f => ({
    path: f.path,
    size: f.size,
    mtime: f.mtime
  }));
  const problem = zipLimitProblem(entries);
  if (problem) {
    throw new SubmitError(problem, { title: archiveTitle(trans) });
  }
  const helper = await options.helper();
  const toServer = context.values.destination === 'server';
  let sink: ISink;
  if (toServer) {
    const path = normalizePath(context.values.serverPath);
    const opened = await openServerSink(helper, path, folder, trans);
    if (opened === null) {
      throw new SubmitCancelled();
    }
    sink = opened;
  } else {
    const name = archiveName(folder);
    sink = blobSink(
      name,
      options.download ?? anchorDownload,
      trans.__('downloaded as %1', name)
    );
  }

  const totalFiles = entries.length;
  const totalBytes = report.bytes;
  const progress = new ProgressToast(
    trans,
    trans.__('Packing the snapshot of %1…', label),
    { progress: 0 }
  );
  const onProgress = (p: IPackProgress) =>
    progress.update(
      trans.__(
        'Packing the snapshot of %1: %2 of %3 files, %4 of %5…',
        label,
        formatCount(p.files),
        formatCount(totalFiles),
        formatBytes(p.bytes),
        formatBytes(totalBytes)
      ),
      totalBytes > 0 ? p.bytes / totalBytes : p.files / totalFiles
    );

  let where: string;
  let zipBytes: number;
  try {
    const result = await packZip(entries, {
      read: readAhead(
        entries,
        (path, offset, length) =>
          helper.read(folder === '' ? path : `${folder}/${path}`, {
            offset,
            length
          }),
        { chunk: ARCHIVE_CHUNK, ...READ_AHEAD }
      ),
      write: chunk => sink.write(chunk),
      signal: progress.signal,
      onProgress
    });
    zipBytes = result.zipBytes;
    throwIfAborted(progress.signal);
    where = await sink.commit();
  } catch (err) {
    await sink.discard(isKernelGone(err));
    if (progress.signal.aborted) {
      await progress.finish(
        'info',
        trans.__(
          'Packing the snapshot of %1 was cancelled; nothing was saved.',
          label
        ),
        { autoClose: 5000 }
      );
      throw new SubmitCancelled();
    }
    await progress.dismiss();
    throw packError(err, trans);
  }
  await progress.finish(
    'success',
    trans.__(
      'Snapshot zip of %1: %2 files, %3 zipped, %4.',
      label,
      formatCount(totalFiles),
      formatBytes(zipBytes),
      where
    ),
    { autoClose: 8000 }
  );
}

function blobSink(
  name: string,
  download: (blob: Blob, name: string) => void,
  done: string
): ISink {
  // Chunks move into Blob parts every 16 MB, which the browser may keep
  // outside the JavaScript heap.
  let parts: BlobPart[] = [];
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const settle = () => {
    if (pending.length > 0) {
      parts = [new Blob([...parts, ...pending])];
      pending = [];
      pendingBytes = 0;
    }
  };
  return {
    write: async chunk => {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= 16 << 20) {
        settle();
      }
    },
    commit: async () => {
      settle();
      download(new Blob(parts, { type: 'application/zip' }), name);
      parts = [];
      return done;
    },
    discard: async () => {
      parts = [];
      pending = [];
    }
  };
}

/** Offer a Blob as a download named `name`. */
export function anchorDownload(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // The download has its own copy once it started.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

async function openServerSink(
  helper: ISubmitHelper,
  path: string,
  folder: string,
  trans: TranslationBundle
): Promise<ISink | null> {
  let upload: IUpload;
  try {
    upload = await helper.uploadBegin(path, folder);
  } catch (err) {
    throw new SubmitError(
      trans.__('Cannot save the zip as %1: %2', path, errorMessage(err)),
      { title: archiveTitle(trans), cause: err }
    );
  }
  let overwrite = false;
  if (upload.exists) {
    const replace = await confirm({
      title: trans.__('Replace %1?', path),
      body: trans.__(
        '%1 already exists on the server. Replace it with the new zip when it is complete?',
        path
      ),
      cancel: trans.__('Cancel'),
      accept: trans.__('Replace'),
      warn: true
    });
    if (!replace) {
      await helper.uploadAbort(upload.token).catch(() => undefined);
      return null;
    }
    overwrite = true;
  }
  let done = false;
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (pendingBytes === 0) {
      return;
    }
    const batch = new Uint8Array(pendingBytes);
    let at = 0;
    for (const part of pending) {
      batch.set(part, at);
      at += part.length;
    }
    pending = [];
    pendingBytes = 0;
    await helper.uploadChunk(upload.token, batch);
  };
  return {
    write: async chunk => {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= UPLOAD_BATCH) {
        await flush();
      }
    },
    commit: async () => {
      await flush();
      const saved = await helper.uploadCommit(upload.token, overwrite);
      done = true;
      return trans.__('saved as %1', saved.path);
    },
    discard: async kernelGone => {
      if (done) {
        return;
      }
      try {
        if (kernelGone) {
          throw new Error('gone');
        }
        await helper.uploadAbort(upload.token);
      } catch {
        // The kernel that held it is gone. An anonymous partial file went
        // with it; a named one is removed through the next kernel.
        if (upload.partial !== null) {
          await helper.uploadDiscard(upload.partial).catch(() => undefined);
        }
      }
    }
  };
}

function isKernelGone(err: unknown): boolean {
  const type = helperErrorType(err) ?? helperErrorType(causeOf(err));
  return type === 'KernelStopped' || type === 'Disposed';
}

function packError(err: unknown, trans: TranslationBundle): SubmitError {
  const type = helperErrorType(err) ?? helperErrorType(causeOf(err));
  const title = archiveTitle(trans);
  if (isKernelGone(err)) {
    return new SubmitError(
      trans.__(
        'The helper kernel stopped while packing the snapshot. The partial zip was discarded and nothing was saved; submit again to start a new helper kernel.'
      ),
      { title, cause: err }
    );
  }
  if (type === 'NoPythonKernel') {
    return new SubmitError(
      trans.__(
        'Packing the snapshot needs a Python kernel for the helper, and this server has none.'
      ),
      { title, cause: err }
    );
  }
  return new SubmitError(
    trans.__('%1 The partial zip was discarded.', errorMessage(err)),
    { title, cause: err }
  );
}

function causeOf(err: unknown): unknown {
  return err instanceof Error ? err.cause : undefined;
}

function archiveTitle(trans: TranslationBundle): string {
  return trans.__('Snapshot archive not saved');
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) {
    throw new DOMException('Packing was aborted.', 'AbortError');
  }
}
