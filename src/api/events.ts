/**
 * `GET /events`: the node's change events as Server-Sent Events (text/event-stream), one stream per
 * client, for dashboards, `curl -N`, and the benchmarks (which measure replication latency from
 * these events instead of polling).
 *
 *   event: car:entered            (also car:left, gate:moved|started|stopped, member:up|suspect|down|left)
 *   data: {"car":{...},"local":true,"at":1763913600123.456}
 *
 * `local` is true when this replica made the change (its gate worker), false when it was applied from
 * a peer. `at` is `preciseNow()` (src/clock.ts) on the node when it emitted the event: ms since the
 * epoch with sub-ms resolution, and comparable between processes on one machine (the wall clock at a
 * measured tick, then a monotonic clock), which is what lets the benchmark subtract the `at` of two
 * nodes.
 *
 * `?types=car:entered,gate:moved` limits the stream to those event names. Writes of one event-loop
 * turn are merged into one socket write (an entry burst costs one syscall, not one per car). A client
 * that reads too slowly is cut off once `maxBufferedBytes` are queued for it, so a stuck consumer
 * cannot grow the node's memory; it reconnects and carries on (SSE has no replay here).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { preciseNow } from '../clock.js';

/** The path of the stream. */
export const EVENTS_PATH = '/events';

/** Every event name the stream carries. */
export const EVENT_TYPES = [
  'car:entered',
  'car:left',
  'gate:moved',
  'gate:started',
  'gate:stopped',
  'member:up',
  'member:suspect',
  'member:down',
  'member:left',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The node's events as the stream needs them: EventEmitter's untyped on/off (src/node.ts satisfies it). */
export interface EventsSource {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

export interface EventsHandlerOptions {
  source: EventsSource;
  /** Timestamp of an event; default `preciseNow()` (src/clock.ts). */
  timestamp?: () => number;
  /** Runs a function after this event-loop turn's I/O (setImmediate); the node passes its clock's defer. */
  defer?: (fn: () => void) => void;
  /** A client with more than this queued is disconnected; default 4 MiB. */
  maxBufferedBytes?: number;
  /** A comment line is sent this often so proxies keep an idle stream open; default 15000 ms. 0: never. */
  keepAliveMs?: number;
  setInterval?: (fn: () => void, ms: number) => unknown;
  clearInterval?: (handle: unknown) => void;
}

/** The `data:` JSON of one event. */
export function eventData(type: EventType, args: readonly unknown[], at: number): Record<string, unknown> {
  if (type === 'car:entered' || type === 'car:left') {
    const info = (args[1] ?? {}) as { local?: unknown; decidedAt?: unknown; req?: unknown };
    const decided = typeof info.decidedAt === 'number' ? { decidedAt: info.decidedAt } : {};
    const car = typeof info.req === 'string' ? { ...(args[0] as Record<string, unknown>), req: info.req } : args[0];
    return { car, local: info.local === true, ...decided, at };
  }
  return { ...(args[0] as Record<string, unknown>), at };
}

/** Formats one SSE message. JSON has no raw newlines, so `data` is one line. */
export function formatEvent(type: string, data: unknown): string {
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The event names a `?types=` query asks for: all when absent; undefined when one is unknown. */
export function parseTypes(target: string | undefined): EventType[] | undefined {
  let raw: string | null;
  try {
    raw = new URL(target ?? '/', 'http://localhost').searchParams.get('types');
  } catch {
    return undefined;
  }
  if (raw === null || raw === '') return [...EVENT_TYPES];
  const wanted = raw.split(',').map((t) => t.trim());
  if (!wanted.every((t): t is EventType => (EVENT_TYPES as readonly string[]).includes(t))) return undefined;
  return [...new Set(wanted)];
}

/**
 * Builds the handler of `GET /events`. It owns the response (headers, stream, end) and returns once
 * the stream is set up; the stream ends when the client goes away or the server closes connections.
 */
export function createEventsHandler(options: EventsHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const timestamp = options.timestamp ?? preciseNow;
  const defer = options.defer ?? ((fn) => void setImmediate(fn));
  const maxBuffered = options.maxBufferedBytes ?? 4 * 1024 * 1024;
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const every = options.setInterval ?? ((fn, ms) => setInterval(fn, ms));
  const cancel = options.clearInterval ?? ((h) => clearInterval(h as NodeJS.Timeout));

  return (req, res) => {
    const types = parseTypes(req.url);
    if (types === undefined) {
      const body = JSON.stringify({
        error: { code: 'ERR_BAD_REQUEST', message: `types must be a comma-separated list of ${EVENT_TYPES.join(', ')}` },
      });
      res.writeHead(400, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
        'cache-control': 'no-store',
      });
      res.end(body);
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    // The comment makes the headers and a first byte go out at once, so a client knows it is subscribed.
    res.write(': subscribed\n\n');
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    let queued: string[] = [];
    let scheduled = false;
    let closed = false;
    const flush = (): void => {
      scheduled = false;
      if (closed || queued.length === 0) return;
      const chunk = queued.join('');
      queued = [];
      res.write(chunk);
      if (res.writableLength > maxBuffered) close();
    };
    const send = (text: string): void => {
      if (closed) return;
      queued.push(text);
      if (!scheduled) {
        scheduled = true;
        defer(flush);
      }
    };
    const listeners = types.map((type) => {
      const listener = (...args: unknown[]): void => send(formatEvent(type, eventData(type, args, timestamp())));
      options.source.on(type, listener);
      return [type, listener] as const;
    });
    const timer = keepAliveMs > 0 ? every(() => send(': keep-alive\n\n'), keepAliveMs) : undefined;
    const close = (): void => {
      if (closed) return;
      closed = true;
      for (const [type, listener] of listeners) options.source.off(type, listener);
      if (timer !== undefined) cancel(timer);
      res.destroy();
    };
    req.on('close', close);
    res.on('close', close);
    res.on('error', close);
  };
}
