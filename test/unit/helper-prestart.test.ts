/**
 * The helper kernel's early start (issue 10): once the first notebook's own
 * kernel has answered, in idle time, once, and only when the setting is on.
 * The tracker and panels are stand-ins with real Lumino signals; the
 * promises are settled by hand, so the order is what is tested.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Signal } from '@lumino/signaling';
import { PromiseDelegate } from '@lumino/coreutils';
import { prestartHelper } from '../../src/guard/helper-prestart.js';

function fakePanel() {
  const ready = new PromiseDelegate<void>();
  const info = new PromiseDelegate<unknown>();
  const panel = {
    sessionContext: {
      ready: ready.promise,
      session: { kernel: { info: info.promise } }
    }
  };
  return { panel, ready, info };
}

function fakeTracker(current: unknown = null) {
  const tracker = { currentWidget: current, widgetAdded: null as any };
  tracker.widgetAdded = new Signal<any, any>(tracker);
  return tracker;
}

/**
 * The idle moment comes at once, so everything after a settled promise is
 * microtasks, which all run before the next macrotask: `settle` is an exact
 * barrier, whatever the machine's load.
 */
const idle = () => Promise.resolve();
const settle = () => new Promise(resolve => setImmediate(resolve));

describe('helper kernel early start', () => {
  test("waits for the notebook's kernel, then starts once", async () => {
    const tracker = fakeTracker();
    let starts = 0;
    prestartHelper({
      tracker: tracker as any,
      enabled: () => true,
      idle,
      start: async () => starts++
    });
    await settle();
    assert.equal(starts, 0, 'no notebook yet');
    const first = fakePanel();
    tracker.widgetAdded.emit(first.panel);
    first.ready.resolve();
    await settle();
    assert.equal(starts, 0, "the notebook's kernel has not answered");
    first.info.resolve({});
    await settle();
    assert.equal(starts, 1);
    const second = fakePanel();
    tracker.widgetAdded.emit(second.panel);
    second.ready.resolve();
    second.info.resolve({});
    await settle();
    assert.equal(starts, 1, 'only the first notebook starts it');
  });

  test('waits for an idle moment after the kernel answers', async () => {
    const open = fakePanel();
    const moment = new PromiseDelegate<void>();
    let asked = 0;
    let starts = 0;
    prestartHelper({
      tracker: fakeTracker(open.panel) as any,
      enabled: () => true,
      idle: () => {
        asked++;
        return moment.promise;
      },
      start: async () => starts++
    });
    open.ready.resolve();
    open.info.resolve({});
    await settle();
    assert.deepEqual([asked, starts], [1, 0], 'the page is busy');
    moment.resolve();
    await settle();
    assert.equal(starts, 1);
  });

  test('a notebook open before activation counts as the first', async () => {
    const open = fakePanel();
    let starts = 0;
    prestartHelper({
      tracker: fakeTracker(open.panel) as any,
      enabled: () => true,
      idle,
      start: async () => starts++
    });
    open.ready.resolve();
    open.info.resolve({});
    await settle();
    assert.equal(starts, 1);
  });

  test('the setting, read when the moment comes, can keep it off', async () => {
    const tracker = fakeTracker();
    let on = true;
    let starts = 0;
    prestartHelper({
      tracker: tracker as any,
      enabled: () => on,
      idle,
      start: async () => starts++
    });
    const nb = fakePanel();
    tracker.widgetAdded.emit(nb.panel);
    on = false; // switched off while the kernel starts
    nb.ready.resolve();
    nb.info.resolve({});
    await settle();
    assert.equal(starts, 0);
  });

  test('a failed start stays quiet; disposing stops a pending start', async () => {
    const tracker = fakeTracker();
    const failing = prestartHelper({
      tracker: tracker as any,
      enabled: () => true,
      idle,
      start: () => Promise.reject(new Error('no kernel'))
    });
    const nb = fakePanel();
    tracker.widgetAdded.emit(nb.panel);
    nb.ready.resolve();
    nb.info.resolve({});
    await settle(); // an unhandled rejection would fail the test run
    failing.dispose();

    const tracker2 = fakeTracker();
    let starts = 0;
    const disposed = prestartHelper({
      tracker: tracker2 as any,
      enabled: () => true,
      idle,
      start: async () => starts++
    });
    const nb2 = fakePanel();
    tracker2.widgetAdded.emit(nb2.panel);
    disposed.dispose();
    nb2.ready.resolve();
    nb2.info.resolve({});
    await settle();
    assert.equal(starts, 0);
    assert.equal(disposed.isDisposed, true);
  });
});
