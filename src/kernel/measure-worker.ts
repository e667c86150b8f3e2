// The listing worker: measures (the meter) and scans and reports (the
// guard) a helper-kernel listing off the page's main thread. Its only file
// access is asking the page (see measure-protocol).
import {
  ListingStream,
  measureBlob,
  scanStream,
  type IListingFallback
} from './listing-measure.js';
import type { FromWorker, IScanRest, ToWorker } from './measure-protocol.js';
import { pacer } from './pacer.js';
import { errorMessage } from '../snapshot/errors.js';
import type { IScan } from '../snapshot/scan.js';
import { KeptScans } from './kept-scans.js';

interface IWorkerScope {
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
}

/**
 * Files per message: the page decodes each message in a task of its own,
 * so a big scan arrives as many short tasks instead of one long one.
 */
const FILES_PER_MESSAGE = 1000;
/**
 * The meter's checks are background work: they match in slices of about
 * this many ms with rests as long between them (Submit's scans, which the
 * user waits for, run flat out).
 */
const METER_SLICE_MS = 8;
/** Scans kept for `report` and `advise` (a check, its step folders, a re-check). */
const KEEP = 4;

const scope = self as unknown as IWorkerScope;
const calls = new Map<
  number,
  { resolve(value: ToWorker & { type: 'answer' }): void }
>();
const scans = new KeptScans(KEEP);
/** Listings of scans still coming in, by request id. */
const streams = new Map<number, ListingStream>();
let nextCall = 1;

function fallbackFor(id: number): IListingFallback {
  const ask = (op: 'list' | 'read', path: string) => {
    const call = nextCall++;
    return new Promise<ToWorker & { type: 'answer' }>(resolve => {
      calls.set(call, { resolve });
      scope.postMessage({ type: 'call', id, call, op, path });
    }).then(answer => {
      if (answer.error !== undefined) {
        throw new Error(answer.error);
      }
      return answer;
    });
  };
  return {
    list: async path => (await ask('list', path)).entries ?? [],
    read: async path => (await ask('read', path)).data ?? new Uint8Array(0)
  };
}

async function scan(message: ToWorker & { type: 'scan' }): Promise<FromWorker> {
  const { id, lowerBound } = message;
  const stream = new ListingStream();
  streams.set(id, stream);
  let result: IScan;
  try {
    result = await scanStream(stream, fallbackFor(id), {
      ...(lowerBound === undefined
        ? {}
        : {
            lowerBound: {
              sdk: lowerBound,
              onCounted: counted =>
                scope.postMessage({ type: 'counted', id, counted })
            }
          }),
      ...(message.root
        ? { onRoot: files => scope.postMessage({ type: 'root', id, files }) }
        : {})
    });
  } finally {
    streams.delete(id);
  }
  scans.add(id, result);
  const { files } = result;
  // The rules are a class: the page parses them again from the text.
  const rest: Partial<IScan> = { ...result };
  delete rest.files;
  delete rest.rules;
  for (let i = 0; i < files.length; i += FILES_PER_MESSAGE) {
    scope.postMessage({
      type: 'files',
      id,
      files: files.slice(i, i + FILES_PER_MESSAGE)
    });
  }
  return { type: 'done', id, scan: rest as IScanRest };
}

scope.onmessage = event => {
  const message = event.data;
  if (message.type === 'answer') {
    calls.get(message.call)?.resolve(message);
    calls.delete(message.call);
    return;
  }
  if (message.type === 'chunk') {
    const stream = streams.get(message.id);
    if (message.error !== undefined) {
      stream?.fail(new Error(message.error));
    } else if (message.blob) {
      stream?.push(message.blob, message.last);
    }
    return;
  }
  const { id } = message;
  const work: Promise<FromWorker> =
    message.type === 'measure'
      ? measureBlob(
          message.blob,
          message.limits,
          fallbackFor(id),
          pacer(METER_SLICE_MS)
        ).then(summary => ({ type: 'done', id, summary }))
      : message.type === 'scan'
        ? scan(message)
        : Promise.resolve().then(() =>
            message.type === 'report'
              ? scans.report(message)
              : scans.advise(message)
          );
  work.then(
    done =>
      scope.postMessage(
        done,
        done.type === 'done' && done.included ? [done.included.buffer] : []
      ),
    err => scope.postMessage({ type: 'done', id, error: errorMessage(err) })
  );
};
