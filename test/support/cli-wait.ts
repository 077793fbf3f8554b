/** Bounded waits for CLI/REPL tests: poll a condition instead of sleeping. */

/** Resolves once `check()` is truthy; rejects after `timeoutMs` with `what` and the last value seen. */
export async function waitUntil<T>(check: () => T, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Removes ANSI escape sequences (cursor moves, colours) from terminal output. */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
}
