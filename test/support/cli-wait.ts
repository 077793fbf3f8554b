/** Bounded waits for CLI/REPL tests: poll a condition instead of sleeping. */
import { stripVTControlCharacters } from 'node:util';
import { eventually } from './eventually.js';

/** Resolves once `check()` is truthy; rejects after `timeoutMs` naming `what`. */
export function waitUntil<T>(check: () => T, what: string, timeoutMs = 5000): Promise<T> {
  return eventually(check, { timeoutMs, message: what });
}

/** Removes ANSI escape sequences (cursor moves, colours) from terminal output. */
export function stripAnsi(text: string): string {
  return stripVTControlCharacters(text);
}
