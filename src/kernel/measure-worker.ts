// The meter's worker: measures a helper-kernel listing off the page's main
// thread. Its only file access is asking the page (see measure-protocol).
import { measureBlob } from './listing-measure.js';
import type { FromWorker, ToWorker } from './measure-protocol.js';
import { errorMessage } from '../snapshot/errors.js';

interface IWorkerScope {
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  postMessage(message: FromWorker): void;
}

const scope = self as unknown as IWorkerScope;
const calls = new Map<
  number,
  { resolve(value: ToWorker & { type: 'answer' }): void }
>();
let nextCall = 1;

function ask(op: 'list' | 'read', path: string) {
  const call = nextCall++;
  return new Promise<ToWorker & { type: 'answer' }>(resolve => {
    calls.set(call, { resolve });
    scope.postMessage({ type: 'call', call, op, path });
  }).then(answer => {
    if (answer.error !== undefined) {
      throw new Error(answer.error);
    }
    return answer;
  });
}

scope.onmessage = event => {
  const message = event.data;
  if (message.type === 'answer') {
    calls.get(message.call)?.resolve(message);
    calls.delete(message.call);
    return;
  }
  measureBlob(message.blob, message.limits, {
    list: async path => (await ask('list', path)).entries ?? [],
    read: async path => (await ask('read', path)).data ?? new Uint8Array(0)
  }).then(
    summary => scope.postMessage({ type: 'done', id: message.id, summary }),
    err =>
      scope.postMessage({
        type: 'done',
        id: message.id,
        error: errorMessage(err)
      })
  );
};
