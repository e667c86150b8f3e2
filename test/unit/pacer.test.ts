import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pacer } from '../../src/kernel/pacer.js';

describe("the meter worker's pacer", () => {
  test('rests as long as each slice of work took, only once a slice is full', async () => {
    let now = 0;
    const rests: number[] = [];
    const pause = pacer(8, {
      now: () => now,
      sleep: async ms => {
        rests.push(ms);
        now += ms;
      }
    });
    // Steps of 3 ms of work: the slice fills at 9 ms, then at 9 again.
    for (let step = 0; step < 6; step++) {
      now += 3;
      await pause();
    }
    assert.deepEqual(rests, [9, 9]);
    // One long step is rested for in full.
    now += 40;
    await pause();
    assert.deepEqual(rests, [9, 9, 40]);
    // A pause right after a rest does not rest again.
    await pause();
    assert.equal(rests.length, 3);
  });
});
