/** Bounded waits for CLI/REPL tests: poll a condition instead of sleeping. */
import { eventually } from './eventually.js';

/** Resolves once `check()` is truthy; rejects after `timeoutMs` naming `what`. */
export function waitUntil<T>(check: () => T, what: string, timeoutMs = 5000): Promise<T> {
  return eventually(check, { timeoutMs, message: what });
}

/** Removes ANSI escape sequences (cursor moves, colours) from terminal output. */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
}
