import { advise, dataCandidates } from '../snapshot/advisor.js';
import { reportOf, rescope, type IScan } from '../snapshot/scan.js';
import type { FromWorker, ToWorker } from './measure-protocol.js';

type Done = FromWorker & { type: 'done' };

/**
 * The guard's scans as the listing worker keeps them (the last `keep`), and
 * what the page asks about them: the report, and the advisor's answers for
 * the fixes (proposed `.amlignore` lines and their live totals, data for a
 * datastore). Their files never travel back for that, nor block the page.
 */
export class KeptScans {
  constructor(private readonly keep: number) {}

  add(id: number, scan: IScan): void {
    this.scans.set(id, scan);
    for (const old of this.scans.keys()) {
      if (this.scans.size <= this.keep) {
        break;
      }
      this.scans.delete(old);
    }
  }

  /** The report on a kept scan; `error: 'gone'` when it is no longer kept. */
  report(message: ToWorker & { type: 'report' }): Done {
    const kept = this.scans.get(message.scan);
    if (!kept) {
      return { type: 'done', id: message.id, error: 'gone' };
    }
    const scoped = rescope(kept, message.sdk, message.profileReason);
    const { included, ...rest } = reportOf(scoped, message.limits);
    const index = new Map(kept.files.map((f, i) => [f, i]));
    return {
      type: 'done',
      id: message.id,
      report: rest,
      included: Int32Array.from(included, f => index.get(f)!),
      ...(message.data
        ? { dataToMove: dataCandidates(scoped, message.data).length > 0 }
        : {})
    };
  }

  /** The advisor's answer on a kept scan, read by the SDK the page says. */
  advise(message: ToWorker & { type: 'advise' }): Done {
    const kept = this.scans.get(message.scan);
    if (!kept) {
      return { type: 'done', id: message.id, error: 'gone' };
    }
    const scoped = rescope(kept, message.sdk, message.profileReason);
    return {
      type: 'done',
      id: message.id,
      advice: advise(scoped, message.question)
    };
  }

  private readonly scans = new Map<number, IScan>();
}
