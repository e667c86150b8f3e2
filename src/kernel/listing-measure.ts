import { sdkOfProfile } from '../snapshot/limits.js';
import { reportOf, scanFolder } from '../snapshot/scan.js';
import { summarize, type ISnapshotSummary } from '../snapshot/summary.js';
import type { IDirEntry, IFileSystem, ILimits } from '../snapshot/types.js';
import type { IWalkListing } from './helper-protocol.js';

/** What the listing cannot answer: asked of the helper kernel. */
export interface IListingFallback {
  list(path: string): Promise<IDirEntry[]>;
  read(path: string): Promise<Uint8Array>;
}

/**
 * Decode a `walk` blob (zlib JSON) and measure it with the engine. Runs in
 * the meter's worker, so a 100k-file listing never blocks the page.
 */
export async function measureBlob(
  blob: Uint8Array,
  limits: ILimits,
  fallback: IListingFallback
): Promise<ISnapshotSummary> {
  // DecompressionStream's "deflate" is the zlib format Python writes.
  const stream = new Blob([blob])
    .stream()
    .pipeThrough(new DecompressionStream('deflate'));
  const listing = JSON.parse(await new Response(stream).text()) as IWalkListing;
  return measureListing(listing, limits, fallback);
}

export async function measureListing(
  listing: IWalkListing,
  limits: ILimits,
  fallback: IListingFallback
): Promise<ISnapshotSummary> {
  const fs: IFileSystem = {
    list: async path => {
      const entries = listing.dirs[path];
      if (entries) {
        return entries;
      }
      const error = listing.errors[path];
      if (error !== undefined) {
        throw new Error(error);
      }
      return fallback.list(path);
    },
    read: path => fallback.read(path)
  };
  // The limits name the SDK whose rules the meter applies.
  const scan = await scanFolder(fs, {
    rootId: listing.rootId,
    sdk: sdkOfProfile(limits.profile)
  });
  return summarize(reportOf(scan, limits));
}
