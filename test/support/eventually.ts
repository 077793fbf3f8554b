/**
 * Waiting without sleeping: poll a condition on the event loop until it holds or a bound passes.
 * The bound is a safety net for a broken build, not a timing assertion.
 */
export async function eventually<T>(check: () => T | Promise<T>, options: { timeoutMs?: number; message?: string } = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const started = Date.now();
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() - started > timeoutMs) {
      const detail = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`${options.message ?? 'condition'} not reached within ${timeoutMs} ms${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Resolves with the first emission of `event`. */
export function once<T extends unknown[]>(emitter: { once(event: string, fn: (...args: T) => void): unknown }, event: string): Promise<T> {
  return new Promise((resolve) => emitter.once(event, (...args: T) => resolve(args)));
}
