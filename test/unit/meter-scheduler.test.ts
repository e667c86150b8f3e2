import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CheckScheduler, type IClock } from '../../src/meter/scheduler.js';

/** A clock that moves only when the test says so. */
class ManualClock implements IClock {
  time = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private next = 1;

  now(): number {
    return this.time;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.set(id, { at: this.time + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** Move to `time`, firing due timers in order (and what they start). */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await flush();
      const due = [...this.timers.entries()]
        .filter(([, t]) => t.at <= end)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) {
        break;
      }
      this.timers.delete(due[0]);
      this.time = Math.max(this.time, due[1].at);
      due[1].fn();
    }
    this.time = end;
    await flush();
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    await Promise.resolve();
  }
}

/** Checks that take `cost` ms of clock time, finishing on `finish()`. */
function harness(
  options: Partial<ConstructorParameters<typeof CheckScheduler>[0]> = {}
) {
  const clock = new ManualClock();
  const starts: number[] = [];
  const signals: AbortSignal[] = [];
  let finishers: (() => void)[] = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  const scheduler = new CheckScheduler({
    clock,
    debounceMs: 100,
    minIntervalMs: 1000,
    maxShare: 0.05,
    maxIntervalMs: 60_000,
    run: signal => {
      starts.push(clock.now());
      signals.push(signal);
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      return new Promise<void>(resolve => {
        finishers.push(() => {
          concurrent--;
          resolve();
        });
      });
    },
    ...options
  });
  const finishAll = async () => {
    const f = finishers;
    finishers = [];
    f.forEach(fn => fn());
    await flush();
  };
  return {
    clock,
    scheduler,
    starts,
    signals,
    finishAll,
    maxConcurrent: () => maxConcurrent
  };
}

describe('meter scheduler', () => {
  test('a burst of requests makes one check, after the quiet time', async () => {
    const h = harness();
    for (let i = 0; i < 5; i++) {
      h.scheduler.request();
      await h.clock.advance(50);
    }
    assert.deepEqual(h.starts, [], 'nothing during the burst');
    await h.clock.advance(60);
    assert.deepEqual(
      h.starts,
      [300],
      'one check 100 ms after the last request'
    );
    await h.finishAll();
    await h.clock.advance(10_000);
    assert.equal(h.starts.length, 1, 'no check without a new request');
  });

  test('never two checks at once; a request during a check runs after it', async () => {
    const h = harness({ maxShare: 1 }); // no back-off here
    h.scheduler.request();
    await h.clock.advance(100);
    assert.equal(h.starts.length, 1);
    h.scheduler.request();
    h.scheduler.request();
    await h.clock.advance(5000);
    assert.equal(h.starts.length, 1, 'the second waits for the first');
    await h.finishAll(); // ends at t = 5100
    await h.clock.advance(999);
    assert.equal(h.starts.length, 1, 'minimum interval after the end');
    await h.clock.advance(1);
    assert.deepEqual(h.starts, [100, 6100]);
    await h.finishAll();
    assert.equal(h.maxConcurrent(), 1);
  });

  test('slow checks are spaced out to the share of time allowed', async () => {
    const h = harness();
    h.scheduler.request();
    await h.clock.advance(100);
    await h.clock.advance(2000); // the check takes 2 s
    await h.finishAll();
    // 5 %: 2 s of checking buys 38 s of rest.
    assert.equal(h.scheduler.spacingMs, 38_000);
    h.scheduler.request();
    await h.clock.advance(37_999);
    assert.equal(h.starts.length, 1);
    await h.clock.advance(1);
    assert.equal(h.starts.length, 2);
    assert.ok(2000 / (h.starts[1] - h.starts[0]) <= 0.05);
  });

  test('a check may name its own cost (not the time spent starting up)', async () => {
    const h = harness({
      run: () => new Promise(resolve => setTimeout(() => resolve(100), 0))
    });
    h.scheduler.request();
    await h.clock.advance(100);
    await new Promise(resolve => setTimeout(resolve, 5));
    await h.clock.advance(0);
    // 100 ms at 5 % is 1.9 s of rest.
    assert.equal(h.scheduler.spacingMs, 1900);
  });

  test('the spacing is capped and returns to the minimum after fast checks', async () => {
    const h = harness({ maxIntervalMs: 10_000 });
    h.scheduler.request();
    await h.clock.advance(100);
    await h.clock.advance(5000);
    await h.finishAll();
    assert.equal(h.scheduler.spacingMs, 10_000);
    h.scheduler.request();
    await h.clock.advance(10_000);
    assert.equal(h.starts.length, 2);
    await h.finishAll(); // instant
    assert.equal(h.scheduler.spacingMs, 1000);
  });

  test('paused: nothing runs; a request made meanwhile runs on resume', async () => {
    const h = harness();
    h.scheduler.setPaused(true);
    h.scheduler.request();
    await h.clock.advance(60_000);
    assert.equal(h.starts.length, 0);
    assert.equal(h.scheduler.pending, true);
    h.scheduler.setPaused(false);
    await h.clock.advance(0);
    assert.equal(
      h.starts.length,
      1,
      'runs at once: the quiet time is long past'
    );
  });

  test('reports paused, pending and armed as they change', async () => {
    const seen: string[] = [];
    const h = harness({
      onStateChanged: () => {
        const { paused, pending, armed } = h.scheduler;
        const state = `${+paused}${+pending}${+armed}`;
        if (seen.at(-1) !== state) {
          seen.push(state);
        }
      }
    });
    h.scheduler.request(); // pending, timed
    await h.clock.advance(100); // running
    await h.finishAll(); // idle, nothing pending
    h.scheduler.setPaused(true);
    h.scheduler.request(); // pending, held back: nothing timed
    await h.clock.advance(60_000);
    h.scheduler.setPaused(false); // timed again
    await h.clock.advance(0); // running
    assert.deepEqual(seen, ['011', '001', '000', '100', '110', '011', '001']);
    assert.equal(h.starts.length, 2);
  });

  test('pausing before the debounce ends cancels the timer', async () => {
    const h = harness();
    h.scheduler.request();
    await h.clock.advance(50);
    h.scheduler.setPaused(true);
    await h.clock.advance(10_000);
    assert.equal(h.starts.length, 0);
  });

  test('restart aborts the running check and checks again after it', async () => {
    const h = harness();
    h.scheduler.request();
    await h.clock.advance(100);
    h.scheduler.restart();
    assert.equal(h.signals[0].aborted, true);
    await h.finishAll();
    await h.clock.advance(1000);
    assert.equal(h.starts.length, 2);
    assert.equal(h.signals[1].aborted, false);
  });

  test('dispose stops everything', async () => {
    const h = harness();
    h.scheduler.request();
    h.scheduler.dispose();
    h.scheduler.request();
    await h.clock.advance(10_000);
    assert.equal(h.starts.length, 0);
  });
});
