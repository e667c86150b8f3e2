import type { IWalkListing } from './helper-protocol.js';

// Its own module, with no runtime imports: the listing worker
// (measure-worker.ts) loads it, and must not pull in what the page shares.

/**
 * The path under which the listing holds folder `path`: a prefix the walk
 * met again through a link is replaced by the path it was listed under,
 * component by component (a target's subfolders may be aliases too).
 */
export function listedPath(listing: IWalkListing, path: string): string {
  const aliases = listing.aliases;
  if (aliases === undefined || path === '') {
    return path;
  }
  let at = '';
  for (const part of path.split('/')) {
    at = at === '' ? part : `${at}/${part}`;
    at = aliases[at] ?? at;
  }
  return at;
}
