/**
 * Time, injected. No part of parking calls Date.now(), setTimeout or setInterval directly: it takes
 * a Clock, so cluster logic runs deterministically on a fake clock in tests (test/support/fake-clock.ts).
 */

/** An opaque timer handle. */
export interface TimerHandle {
  /** Lets the process exit while this timer is pending (like Node's `unref`). */
  unref?(): void;
}

export interface Clock {
  /** Wall-clock time in ms since the epoch (timestamps shown to people). */
  now(): number;
  /** Monotonic time in ms, for durations and timeouts. */
  monotonic(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle): void;
  /**
   * Runs `fn` after the I/O callbacks of this event-loop turn (setImmediate). Used to coalesce the
   * updates of one turn into one message; a fake clock runs it on the next advance.
   */
  defer(fn: () => void): void;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
  defer: (fn) => {
    setImmediate(fn);
  },
};

/**
 * Wall-clock time in ms with sub-millisecond resolution, comparable between processes of one machine:
 * the origin of `performance.now()` on the wall clock, measured at a tick of `Date.now()`.
 * `performance.timeOrigin` is not used: it is sampled once at process start-up, and a process
 * descheduled while it starts (several nodes started at once on a busy machine) carries that error in
 * every later timestamp; 8-10 ms was seen in the network lab, more than the checker's tolerance.
 * Here the first `performance.now()` after `Date.now()` moves to a new millisecond is within the
 * sampling loop's step (microseconds) of that millisecond's start; the best of three ticks is kept.
 */
export function preciseNow(): number {
  origin ??= measureOrigin();
  return origin + performance.now();
}

let origin: number | undefined;

function measureOrigin(): number {
  let best = { origin: performance.timeOrigin, window: Number.POSITIVE_INFINITY };
  for (let i = 0; i < 3; i++) {
    // The tick falls between the last read of Date.now() that returned `start` and the first that did
    // not; `before` is taken just ahead of the former, `after` just behind the latter.
    let before = performance.now();
    const start = Date.now();
    let next = before;
    let tick = start;
    // Bounded: Date.now() moves within a millisecond; a million reads are far more than that.
    for (let n = 0; tick === start && n < 1_000_000; n++) {
      before = next;
      next = performance.now();
      tick = Date.now();
    }
    const after = performance.now();
    if (tick !== start && after - before < best.window) best = { origin: tick - (before + after) / 2, window: after - before };
  }
  return best.origin;
}
