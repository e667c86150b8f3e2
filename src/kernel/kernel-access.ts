import { scanFolder, type IScan } from '../snapshot/scan.js';
import type { ICopyPair, IFolderAccess } from '../guard/folder-access.js';
import { HelperKernelError, type HelperKernel } from './helper-kernel.js';
import { KernelFileSystem } from './listing-fs.js';
import type { ListingMeasurer } from './listing-measurer.js';
import type { ISnapshotSummary } from '../snapshot/summary.js';
import type { ILimits } from '../snapshot/types.js';

/** The guard's file access through the helper kernel: sees every file. */
export class KernelAccess implements IFolderAccess {
  readonly kind = 'kernel';
  readonly caveat = null;

  /** sha256 of each folder's `.amlignore` as the last scan read it. */
  private seen = new Map<string, string | undefined>();

  constructor(
    private helper: HelperKernel,
    private measurer: ListingMeasurer
  ) {}

  async scan(
    folder: string,
    options: { onProgress?(n: number): void; signal?: AbortSignal }
  ): Promise<IScan> {
    const fs = await KernelFileSystem.open(this.helper, folder, options);
    // The listing is complete already; keeping excluded folders' files lets
    // the live preview answer any rule change without a rescan.
    const scan = await scanFolder(fs, { rootId: fs.rootId, prune: false });
    this.seen.set(folder, fs.sha256Of('.amlignore'));
    return scan;
  }

  measure(
    folder: string,
    limits: ILimits,
    options: { signal?: AbortSignal }
  ): Promise<ISnapshotSummary> {
    return this.measurer.measure(folder, limits, options.signal);
  }

  async writeAmlignore(
    folder: string,
    text: string,
    expected: string | null
  ): Promise<'written' | 'changed' | 'unsupported'> {
    const path = folder === '' ? '.amlignore' : `${folder}/.amlignore`;
    // The kernel hashed the bytes it read, which also works where the page
    // has no WebCrypto (plain http on another host).
    const expect =
      expected === null
        ? null
        : (this.seen.get(folder) ?? (await sha256(expected)));
    try {
      await this.helper.writeAtomic(path, text, expect);
      return 'written';
    } catch (err) {
      if (err instanceof HelperKernelError && err.type === 'Changed') {
        return 'changed';
      }
      throw err;
    }
  }

  makeUniqueFolder(parent: string, base: string): Promise<string> {
    return this.helper.mkdirUnique(parent, base);
  }

  async copyFiles(pairs: ICopyPair[]): Promise<void> {
    await this.helper.copyFiles(pairs.map(p => ({ src: p.from, dst: p.to })));
  }

  async removeCreated(paths: string[]): Promise<void> {
    await this.helper.removeCreated(paths);
  }

  async readText(path: string): Promise<string> {
    const { data } = await this.helper.readFile(path);
    return new TextDecoder().decode(data);
  }
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    'SHA-256',
    new TextEncoder().encode(text)
  );
  return [...new Uint8Array(digest)]
    .map(b => b.toString(16).padStart(2, '0'))
    .join('');
}
