/**
 * Waiting without sleeping: the one polling helper of the tests. A condition is checked until it
 * holds (a truthy value) or a bound passes; the bound is a safety net for a broken build, not a timing
 * assertion. Real time by default; on a fake clock, `FakeClock.until` runs this same loop and
 * advances the clock between checks instead of waiting.
 */

/** How long to wait, how often to check, and what to say when the bound passes. */
export interface EventuallyOptions {
  /** Give up after this long. Default 15 s of real time. */
  timeoutMs?: number;
  /** Between two checks. Default 10 ms. */
  intervalMs?: number;
  /** What was waited for, in the error; a function is read when the wait fails (the state then). */
  message?: string | (() => string);
  /** The time the bound and the interval are counted in. Default real time (a timer between checks). */
  time?: { elapsed(): number; pass(ms: number): Promise<void> };
}

const realTime = (): NonNullable<EventuallyOptions['time']> => {
  const started = performance.now();
  return { elapsed: () => performance.now() - started, pass: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };
};

/**
 * Resolves with the first truthy value of `condition()`. A check that throws counts as not yet;
 * the last error is named if the bound passes.
 */
export async function eventually<T>(condition: () => T | Promise<T>, options: EventuallyOptions = {}): Promise<NonNullable<T>> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const intervalMs = options.intervalMs ?? 10;
  const time = options.time ?? realTime();
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (time.elapsed() >= timeoutMs) {
      const what = typeof options.message === 'function' ? options.message() : (options.message ?? 'condition');
      const detail = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`${what} not reached within ${timeoutMs} ms${detail}`, { cause: lastError });
    }
    await time.pass(intervalMs);
  }
}

/**
 * Anything with on/off: node:events emitters and the project's typed emitters. The listener takes
 * its arguments as `unknown`; the caller of `nextEvent` says what they are with `T`.
 */
interface Listenable {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

/**
 * Resolves with the arguments of the first `event` (emitted from now on) that `accept` takes; rejects
 * after `timeoutMs` like `eventually`. Call it before the action that emits.
 */
export function nextEvent<T extends unknown[]>(
  emitter: Listenable,
  event: string,
  accept: (...args: T) => boolean = () => true,
  options: EventuallyOptions = {},
): Promise<T> {
  let seen: T | undefined;
  const listener = (...received: unknown[]): void => {
    // `T` is the caller's word for what this event carries (`nextEvent<[PeerLink]>(transport, 'link:up')`).
    const args = received as T;
    if (seen === undefined && accept(...args)) seen = args;
  };
  emitter.on(event, listener);
  return eventually(() => seen, { message: `a matching ${event} event`, ...options }).finally(() => emitter.off(event, listener));
}
