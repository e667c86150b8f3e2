import type { AdviceAnswer, AdviceQuestion } from '../snapshot/advisor.js';
import type { IScan } from '../snapshot/scan.js';
import type {
  ICopyPair,
  IFarReport,
  IFolderAccess,
  IIncompleteCopy,
  IRemoveReport,
  IReportOptions,
  IScanOptions
} from '../access/folder-access.js';
import {
  WriteRefusedError,
  type WriteOutcome
} from '../access/write-if-unchanged.js';
import { parentOf } from '../snapshot/paths.js';
import type { HelperKernel } from './helper-kernel.js';
import { HelperKernelError } from './helper-protocol.js';
import { ListingMeasurer } from './listing-measurer.js';
import type { ISnapshotSummary } from '../snapshot/summary.js';
import type { ILimits } from '../snapshot/types.js';

/** The guard's file access through the helper kernel: sees every file. */
export class KernelAccess implements IFolderAccess {
  readonly kind = 'kernel';
  readonly caveat = null;

  /** sha256 of each folder's `.amlignore` as the last scan read it. */
  private seen = new Map<string, string | undefined>();

  /** `measurer` is shared between accesses so its worker lives on. */
  constructor(
    private helper: HelperKernel,
    private measurer: ListingMeasurer = new ListingMeasurer(helper)
  ) {}

  async scan(folder: string, options: IScanOptions): Promise<IScan> {
    const { scan, amlignoreSha256 } = await this.measurer.scan(folder, options);
    this.seen.set(folder, amlignoreSha256);
    return scan;
  }

  report(
    scan: IScan,
    limits: ILimits,
    options: IReportOptions = {}
  ): Promise<IFarReport | null> {
    return this.measurer.report(scan, limits, options);
  }

  advise<Q extends AdviceQuestion>(
    scan: IScan,
    question: Q
  ): Promise<AdviceAnswer<Q> | null> {
    return this.measurer.advise(scan, question);
  }

  measure(
    folder: string,
    limits: ILimits,
    options: { signal?: AbortSignal }
  ): Promise<ISnapshotSummary> {
    return this.measurer.measure(folder, limits, options.signal);
  }

  async writeIfUnchanged(
    path: string,
    text: string,
    expected: string | null
  ): Promise<WriteOutcome> {
    // The kernel hashed the bytes it read, which also works where the page
    // has no WebCrypto (plain http on another host).
    const seen = path.endsWith('/.amlignore') || path === '.amlignore';
    const expect =
      expected === null
        ? null
        : ((seen ? this.seen.get(parentOf(path)) : undefined) ??
          (await sha256(expected)));
    try {
      await this.helper.writeAtomic(path, text, expect);
      return 'written';
    } catch (err) {
      if (err instanceof HelperKernelError) {
        if (err.type === 'Changed') {
          return 'changed';
        }
        if (err.type === 'KernelStopped' || err.type === 'Disposed') {
          // Not a refusal: the kernel may have died just after the file
          // landed. The caller reads back what is there.
          throw err;
        }
        const reason =
          err.type === 'IsALink'
            ? 'link'
            : err.type === 'NotAFile'
              ? 'not-a-file'
              : err.type === 'OutsideRoot'
                ? 'outside'
                : err.type === 'PermissionDenied'
                  ? 'permission'
                  : 'failed';
        throw new WriteRefusedError(reason, err.message, path);
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

  async removeCreated(paths: string[]): Promise<IRemoveReport> {
    const { kept, left } = await this.helper.removeCreated(paths);
    return { kept, left };
  }

  findIncomplete(folder: string): Promise<IIncompleteCopy[]> {
    return this.helper.findIncomplete(folder);
  }

  async discardIncomplete(folder: string): Promise<IRemoveReport> {
    const { kept, left } = await this.helper.discardIncomplete(folder);
    return { kept, left };
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
