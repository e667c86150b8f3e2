import { sdkOfProfile } from '../snapshot/limits.js';
import { reportOf, scanFolder, type IScan } from '../snapshot/scan.js';
import { summarize, type ISnapshotSummary } from '../snapshot/summary.js';
import type { IDirEntry, IFileSystem, ILimits } from '../snapshot/types.js';
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
 * The guard's scan of a listing: excluded folders' files kept, so that
 * the live preview answers any rule change without a rescan.
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

/** The engine's file system over a listing; the rest is asked for. */
function listingFileSystem(
  listing: IWalkListing,
  fallback: IListingFallback,
  pause?: () => Promise<void>
): IFileSystem {
  return {
    list: async path => {
      await pause?.();
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
