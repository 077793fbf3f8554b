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
