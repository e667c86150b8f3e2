import { sdkOfProfile, type ISurelyCounted } from '../snapshot/limits.js';
import { reportOf, scanFolder, type IScan } from '../snapshot/scan.js';
import { summarize, type ISnapshotSummary } from '../snapshot/summary.js';
import type {
  IDirEntry,
  IFileRecord,
  IFileSystem,
  ILimits,
  Sdk
} from '../snapshot/types.js';
import type { IWalkListing } from './helper-protocol.js';
import { listedPath } from './listing-path.js';

/** What the listing cannot answer: asked of the helper kernel. */
export interface IListingFallback {
  list(path: string): Promise<IDirEntry[]>;
  read(path: string): Promise<Uint8Array>;
}

/** A `walk` blob (zlib JSON) decoded, without blocking: in a worker. */
export async function decodeBlob(blob: Uint8Array): Promise<IWalkListing> {
  // DecompressionStream's "deflate" is the zlib format Python writes.
  const stream = new Blob([blob])
    .stream()
    .pipeThrough(new DecompressionStream('deflate'));
  return JSON.parse(await new Response(stream).text()) as IWalkListing;
}

/**
 * Decode a `walk` blob and measure it with the engine. Runs in the
 * listing worker, so a 100k-file listing never blocks the page.
 */
export async function measureBlob(
  blob: Uint8Array,
  limits: ILimits,
  fallback: IListingFallback,
  pause?: () => Promise<void>
): Promise<ISnapshotSummary> {
  return measureListing(await decodeBlob(blob), limits, fallback, pause);
}

/** `pause`, when given, is awaited before each folder is read. */
export async function measureListing(
  listing: IWalkListing,
  limits: ILimits,
  fallback: IListingFallback,
  pause?: () => Promise<void>
): Promise<ISnapshotSummary> {
  // The limits name the SDK whose rules the meter applies.
  const scan = await scanFolder(listingFileSystem(listing, fallback, pause), {
    rootId: listing.rootId,
    sdk: sdkOfProfile(limits.profile)
  });
  return summarize(reportOf(scan, limits));
}

/**
 * The guard's scan of a whole listing: excluded folders' files kept, so
 * that the live preview answers any rule change without a rescan.
 */
export function scanListing(
  listing: IWalkListing,
  fallback: IListingFallback
): Promise<IScan> {
  return scanFolder(listingFileSystem(listing, fallback), {
    rootId: listing.rootId,
    prune: false
  });
}

/**
 * A streamed `walk` listing as its chunks arrive: every chunk is shaped
 * like the listing (the first holds the root's entries and identity), the
 * last is the walk's result. Folders are served as soon as they have come,
 * so the engine's walk runs behind the kernel's instead of after it.
 */
export class ListingStream {
  // No prototype: a folder may be named `__proto__` or `constructor`.
  readonly listing: IWalkListing = {
    root: '',
    rootId: '',
    files: 0,
    dirs: Object.create(null),
    errors: Object.create(null),
    aliases: Object.create(null)
  };

  /** A chunk (zlib JSON); `last` for the walk's result. In order. */
  push(blob: Uint8Array, last = false): void {
    this._queue = this._queue
      .then(() => decodeBlob(blob))
      .then(chunk => this._add(chunk, last))
      .catch(err =>
        this.fail(err instanceof Error ? err : new Error(`${err}`))
      );
  }

  /** The walk failed: so does every wait, now and later. */
  fail(err: Error): void {
    if (this._ended) {
      return;
    }
    this._failed = err;
    this._ended = true;
    this._wakeAll();
  }

  /** Resolves once folder `path` has come or the walk has ended. */
  arrival(path: string): Promise<void> {
    if (this._failed) {
      return Promise.reject(this._failed);
    }
    const { dirs, errors } = this.listing;
    // A folder's aliases come with its parent's entries.
    const at = listedPath(this.listing, path);
    if (this._ended || at in dirs || at in errors) {
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const wake = () => (this._failed ? reject(this._failed) : resolve());
      this._waiting.set(at, [...(this._waiting.get(at) ?? []), wake]);
    });
  }

  private _add(chunk: Partial<IWalkListing>, last: boolean) {
    const { listing } = this;
    if (chunk.rootId !== undefined) {
      listing.root = chunk.root ?? '';
      listing.rootId = chunk.rootId;
    }
    if (chunk.files !== undefined) {
      listing.files = chunk.files;
    }
    Object.assign(listing.dirs, chunk.dirs);
    Object.assign(listing.errors, chunk.errors);
    Object.assign(listing.aliases!, chunk.aliases);
    if (last) {
      this._ended = true;
      this._wakeAll();
      return;
    }
    for (const path of [
      ...Object.keys(chunk.dirs ?? {}),
      ...Object.keys(chunk.errors ?? {})
    ]) {
      const waiting = this._waiting.get(path);
      this._waiting.delete(path);
      waiting?.forEach(wake => wake());
    }
  }

  private _wakeAll() {
    const waiting = [...this._waiting.values()];
    this._waiting.clear();
    waiting.forEach(all => all.forEach(wake => wake()));
  }

  private _queue: Promise<void> = Promise.resolve();
  private _ended = false;
  private _failed: Error | null = null;
  private readonly _waiting = new Map<string, Array<() => void>>();
}

/**
 * The guard's scan of a listing as it streams in: excluded folders' files
 * kept, so that the live preview answers any rule change without a
 * rescan. With `lowerBound`, what that SDK surely counts so far, now and
 * then while the listing still comes; `onRoot`, the root's code files
 * (see `IScanOptions.onRoot`) once it has come.
 */
export async function scanStream(
  stream: ListingStream,
  fallback: IListingFallback,
  options: {
    lowerBound?: { sdk: Sdk; onCounted(counted: ISurelyCounted): void };
    onRoot?(files: IFileRecord[]): void;
  } = {}
): Promise<IScan> {
  const { lowerBound, onRoot } = options;
  // The root's chunk comes first, with the identity the walk needs.
  await stream.arrival('');
  if (onRoot) {
    // As the walk records them: files that could be listed, in order.
    onRoot(
      (stream.listing.dirs[''] ?? [])
        .filter(
          e =>
            e.kind === 'file' &&
            e.error === undefined &&
            /\.(py|ipynb)$/.test(e.name)
        )
        .map(e => ({ path: e.name, size: e.size }))
    );
  }
  return scanFolder(
    listingFileSystem(stream.listing, fallback, undefined, stream),
    {
      rootId: stream.listing.rootId,
      prune: false,
      ...(lowerBound ? { lowerBound } : {})
    }
  );
}

/**
 * The engine's file system over a listing; the rest is asked for. With
 * `stream`, each folder is awaited until it has come.
 */
function listingFileSystem(
  listing: IWalkListing,
  fallback: IListingFallback,
  pause?: () => Promise<void>,
  stream?: ListingStream
): IFileSystem {
  return {
    list: async path => {
      await pause?.();
      await stream?.arrival(path);
      const at = listedPath(listing, path);
      const entries = listing.dirs[at];
      if (entries) {
        return entries;
      }
      const error = listing.errors[at];
      if (error !== undefined) {
        throw new Error(error);
      }
      return fallback.list(path);
    },
    read: path => fallback.read(path)
  };
}
