import { joinPath } from '../snapshot/paths.js';
import type { IDirEntry, IFileSystem } from '../snapshot/types.js';
import type { HelperKernel } from './helper-kernel.js';
import type { IWalkListing, IWalkOptions } from './helper-protocol.js';
import { listedPath } from './listing-path.js';

/**
 * The engine's file-system interface over the helper kernel: the whole tree
 * comes in one `walk`, so `list()` answers from memory instead of making
 * one round trip per folder.
 */
export class KernelFileSystem implements IFileSystem {
  /** Walk `root` (server-relative) and serve the engine from the result. */
  static async open(
    helper: HelperKernel,
    root: string,
    options: Omit<IWalkOptions, 'base'> = {}
  ): Promise<KernelFileSystem> {
    const listing = await helper.walk(root, options);
    return new KernelFileSystem(helper, root, listing);
  }

  constructor(
    readonly helper: HelperKernel,
    readonly root: string,
    readonly listing: IWalkListing
  ) {}

  /** Identity of the root, for the engine's loop detection. */
  get rootId(): string {
    return this.listing.rootId;
  }

  async list(path: string): Promise<IDirEntry[]> {
    const at = listedPath(this.listing, path);
    const entries = this.listing.dirs[at];
    if (entries) {
      return entries;
    }
    const error = this.listing.errors[at];
    if (error !== undefined) {
      throw new Error(error);
    }
    // A folder the walk did not enter (it stops at loops the engine may
    // judge differently): ask for that one level.
    return this.helper.list(this.serverPath(path), this.root);
  }

  async read(path: string): Promise<Uint8Array> {
    const { data, sha256 } = await this.helper.readFile(this.serverPath(path));
    if (sha256) {
      this._hashes.set(path, sha256);
    } else {
      this._hashes.delete(path);
    }
    return data;
  }

  /**
   * sha256 of a file as last read through this adapter: pass it to
   * `writeAtomic` so a file changed since then is not overwritten.
   */
  sha256Of(path: string): string | undefined {
    return this._hashes.get(path);
  }

  /** A root-relative path as a server-relative one. */
  serverPath(path: string): string {
    return path === '' ? this.root : joinPath(this.root, path);
  }

  private readonly _hashes = new Map<string, string>();
}
