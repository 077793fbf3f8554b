/**
 * Bounded waits for discovery tests: wait for an event or a condition, never sleep a fixed time.
 */
import type { EventEmitter } from 'node:events';
import { pino, type Logger } from 'pino';
import type { DiscoveredPeer, Discovery } from '../../src/discovery/types.js';

/** Resolves with the first `peer:found`/`peer:lost` payload matching `match`; rejects after `timeoutMs`. */
export function waitForPeerEvent(
  discovery: Discovery,
  event: 'peer:found' | 'peer:lost',
  match: (peer: DiscoveredPeer) => boolean,
  timeoutMs = 5000,
): Promise<DiscoveredPeer> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      discovery.off(event, listener);
      reject(new Error(`no ${event} matching within ${timeoutMs} ms; peers: ${JSON.stringify(discovery.peers())}`));
    }, timeoutMs);
    const listener = (peer: DiscoveredPeer): void => {
      if (!match(peer)) return;
      clearTimeout(timer);
      discovery.off(event, listener);
      resolve(peer);
    };
    discovery.on(event, listener);
  });
}

/** Resolves once `condition()` is true, checking on each event of `emitter` named in `events`. */
export function waitUntil(
  emitter: EventEmitter,
  events: string[],
  condition: () => boolean,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (!condition()) return;
      done();
      resolve();
    };
    const done = (): void => {
      clearTimeout(timer);
      for (const e of events) emitter.off(e, check);
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${what} not reached within ${timeoutMs} ms`));
    }, timeoutMs);
    for (const e of events) emitter.on(e, check);
    check();
  });
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
  const waiters: Array<(line: Record<string, unknown>) => void> = [];
  const stream = {
    write(chunk: string): void {
      const line = JSON.parse(chunk) as Record<string, unknown>;
      lines.push(line);
      for (const w of [...waiters]) w(line);
    },
  };
  const logger = pino({ level: 'debug' }, stream);
  const waitForMessage = (msg: string, timeoutMs = 5000): Promise<Record<string, unknown>> => {
    const seen = lines.find((l) => l.msg === msg);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = (line: Record<string, unknown>): void => {
        if (line.msg !== msg) return;
        clearTimeout(timer);
        waiters.splice(waiters.indexOf(waiter), 1);
        resolve(line);
      };
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(waiter), 1);
        reject(new Error(`no log line "${msg}" within ${timeoutMs} ms`));
      }, timeoutMs);
      waiters.push(waiter);
    });
  };
  return { logger, lines, waitForMessage };
}
