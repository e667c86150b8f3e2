/** A clock to pace by: the real one, or a test's. */
export interface IPaceClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const REAL_CLOCK: IPaceClock = {
  now: () => performance.now(),
  sleep: ms => new Promise(resolve => setTimeout(resolve, ms))
};

/**
 * Paces background work on a thread of its own (the meter's worker): once a
 * slice of at least `sliceMs` of work has passed, `pause()` rests as long as
 * that slice took. The thread then never holds a core for long, and the
 * page's typing, garbage collection and rendering find one free on a
 * machine of few cores. Yielding alone would not do: a worker that only
 * yields goes on using its core.
 */
export function pacer(
  sliceMs: number,
  clock: IPaceClock = REAL_CLOCK
): () => Promise<void> {
  let sliceStart = clock.now();
  return async () => {
    const worked = clock.now() - sliceStart;
    if (worked >= sliceMs) {
      await clock.sleep(worked);
      sliceStart = clock.now();
    }
  };
}
