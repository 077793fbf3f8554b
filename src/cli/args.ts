/**
 * Parsing of the arguments that the CLI checks itself, before anything is sent: gate numbers, the
 * --node URL, timeouts. Everything else (plates, settings) is validated by the node or by
 * loadConfig, so there is one rule per value.
 */
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';

/** The node the client commands talk to when neither --node nor PARKING_NODE is given. */
export const DEFAULT_NODE_URL = 'http://127.0.0.1:4000';

/**
 * Client timeout per request. Above the default commandDeadlineMs (5 s), so that a node retrying a
 * command whose gate is moving gets to answer ERR_GATE_UNAVAILABLE itself.
 */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** A gate argument: a positive decimal integer (commander turns the throw into a usage error). */
export function parseGate(value: string): number {
  const gate = /^[1-9][0-9]*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(gate)) throw new InvalidArgumentError(`gate must be a positive integer, got ${JSON.stringify(value)}`);
  return gate;
}

/** A positive integer number of milliseconds. */
export function parseMs(value: string): number {
  const ms = /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(ms) || ms <= 0)
    throw new InvalidArgumentError(`must be a positive number of milliseconds, got ${JSON.stringify(value)}`);
  return ms;
}

/**
 * The node URL: --node, else PARKING_NODE, else {@link DEFAULT_NODE_URL}. Returns an error message
 * instead of a URL when it is not an http(s) URL.
 */
export function resolveNodeUrl(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): { url: string } | { error: string } {
  const raw = flag ?? (env.PARKING_NODE !== undefined && env.PARKING_NODE !== '' ? env.PARKING_NODE : DEFAULT_NODE_URL);
  const source = flag !== undefined ? '--node' : env.PARKING_NODE ? 'PARKING_NODE' : 'default';
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return { error: `${source} must be a URL like ${DEFAULT_NODE_URL}, got ${JSON.stringify(raw)}` };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return { error: `${source} must be an http:// or https:// URL, got ${JSON.stringify(raw)}` };
  }
  // Keep what the user typed (minus a trailing slash) so messages show their URL, not a normalized one.
  return { url: raw.replace(/\/+$/, '') };
}

/** PARKING_HISTORY, else ~/.parking_history. An empty PARKING_HISTORY turns history off (''). */
export function historyFile(env: Readonly<Record<string, string | undefined>>, home: string): string {
  return env.PARKING_HISTORY ?? join(home, '.parking_history');
}
