/**
 * Bounded waits for discovery tests (thin uses of eventually.ts): a discovery event, a log line.
 */
import { pino, type Logger } from 'pino';
import type { DiscoveredPeer, Discovery } from '../../src/discovery/types.js';
import { eventually, nextEvent } from './eventually.js';

/** Resolves with the first `peer:found`/`peer:lost` payload (from now on) matching `match`; rejects after `timeoutMs`. */
export async function waitForPeerEvent(
  discovery: Discovery,
  event: 'peer:found' | 'peer:lost',
  match: (peer: DiscoveredPeer) => boolean,
  timeoutMs = 5000,
): Promise<DiscoveredPeer> {
  const [peer] = await nextEvent<[DiscoveredPeer]>(discovery, event, match, {
    timeoutMs,
    message: () => `a matching ${event}; peers: ${JSON.stringify(discovery.peers())}`,
  });
  return peer;
}

/** A logger whose lines are kept as objects. */
export interface CapturedLog {
  logger: Logger;
  lines: Array<Record<string, unknown>>;
  /** Resolves with the first line (past or future) whose `msg` is `msg`. */
  waitForMessage(msg: string, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/** Captures structured log lines at debug level, so tests can wait on what the code reports. */
export function captureLog(): CapturedLog {
  const lines: Array<Record<string, unknown>> = [];
  const stream = {
    write(chunk: string): void {
      const line = JSON.parse(chunk) as Record<string, unknown>;
      lines.push(line);
    },
  };
  const logger = pino({ level: 'debug' }, stream);
  const waitForMessage = (msg: string, timeoutMs = 5000): Promise<Record<string, unknown>> =>
    eventually(() => lines.find((l) => l.msg === msg), { timeoutMs, message: `a log line "${msg}"` });
  return { logger, lines, waitForMessage };
}
