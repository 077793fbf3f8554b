/**
 * The HTTP server of a node: the JSON API, health, readiness and metrics on the node's one port,
 * with WebSocket upgrades on the peer path handed to the cluster. The server never writes a
 * response itself outside {@link writeReply}, and nothing a client sends can throw out of it:
 * a malformed request line is answered by `clientError`, a throwing handler by a 500.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Clock } from '../clock.js';
import { BadRequestError, isParkingError, MethodNotAllowedError, NotFoundError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { ParkingApi } from '../types.js';
import { DEFAULT_BODY_LIMIT_BYTES } from './body.js';
import { createEventsHandler, EVENTS_PATH, type EventsSource } from './events.js';
import { encodeReply, errorReply, JSON_CONTENT_TYPE, writeReply, type EncodedReply } from './reply.js';
import { bodyReader, createRoutes, type Route } from './routes.js';

/**
 * A whole request (headers and body) must arrive within this time, or the client gets 408 and the
 * connection is closed: it bounds what a slow-loris client can hold.
 */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Headers must arrive within this time (must not exceed {@link REQUEST_TIMEOUT_MS}). */
export const HEADERS_TIMEOUT_MS = 10_000;
/**
 * An idle keep-alive connection is closed after this time. Longer saves reconnects for the CLI's
 * bursts; shorter frees sockets sooner. Kept below the usual 60 s of load balancers so the server,
 * not the balancer, closes first (a balancer reusing a socket the server just closed gets a reset).
 */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** Requests with more header lines than this are cut off by Node's parser. */
export const MAX_HEADERS_COUNT = 64;

/** Everything the server needs; the node builds it and calls `listen()` on the result. */
export interface ApiServerOptions {
  /** The node (or a stand-in) that executes commands and answers queries. */
  api: ParkingApi;
  /** The node's metrics; the server observes `httpDuration` {method, route, status}. */
  metrics: Metrics;
  /** The node's logger; the server logs as `component: 'api'`. */
  logger: Logger;
  /** Used for latency measurement (`monotonic()`). */
  clock: Clock;
  /** Largest accepted request body, default 64 KiB ({@link DEFAULT_BODY_LIMIT_BYTES}). */
  bodyLimitBytes?: number;
  /** Answers `GET /readyz`: 200 when ready, else 503 with the reason. */
  readiness: () => { ready: boolean; reason?: string };
  /** Answers `GET /healthz`: 200 when ok, else 503. Default: always ok. */
  liveness?: () => { ok: boolean; reason?: string };
  /** WebSocket upgrades on `path` (the cluster's `/peer`) go to `handle`; any other upgrade gets 404. */
  upgrade?: { path: string; handle: (req: IncomingMessage, socket: Duplex, head: Buffer) => void };
  /** The node's change events, streamed on `GET /events` (src/api/events.ts). Absent: /events is 404. */
  events?: EventsSource;
}

/** Methods that get their own metric label; any other token becomes `OTHER`, so labels stay bounded. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);

/**
 * Creates the API server, not yet listening. Handles `request`, `checkContinue` (so oversized or
 * mistyped bodies are refused before the client uploads them), `upgrade` and `clientError`.
 */
export function createApiServer(options: ApiServerOptions): http.Server {
  const log = options.logger.child({ component: 'api' });
  const limit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const routes = createRoutes({
    api: options.api,
    registry: options.metrics.registry,
    readiness: options.readiness,
    liveness: options.liveness ?? (() => ({ ok: true })),
  });

  const server = http.createServer({ requestTimeout: REQUEST_TIMEOUT_MS, headersTimeout: HEADERS_TIMEOUT_MS });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.maxHeadersCount = MAX_HEADERS_COUNT;

  const events =
    options.events === undefined ? undefined : createEventsHandler({ source: options.events, defer: (fn) => options.clock.defer(fn) });

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const started = options.clock.monotonic();
    const path = pathOf(req.url);
    // A stream, not a reply: the events handler owns the response until the client goes away.
    if (events !== undefined && path === EVENTS_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
      events(req, res);
      return;
    }
    const route = path === undefined ? undefined : routes.get(path);
    answer(req, res, route, limit)
      .then(({ reply, failure }) => {
        writeReply(req, res, reply);
        const ms = options.clock.monotonic() - started;
        const method = KNOWN_METHODS.has(req.method ?? '') ? (req.method as string) : 'OTHER';
        const labels = { method, route: route?.path ?? 'unmatched', status: String(reply.status) };
        options.metrics.httpDuration.observe(labels, ms / 1000);
        // A 503 from /readyz or /healthz is an answer, not a failure: probes poll it every few
        // seconds while a node joins, and error lines there would drown real ones.
        // A coded 503 (stopping, a gate moving) is an expected answer: logged without a stack.
        if (reply.status === 503 && failure !== undefined && isParkingError(failure))
          log.info({ ...labels, ms, code: failure.code }, 'request refused');
        else if (reply.status >= 500 && failure !== undefined) log.error({ ...labels, ms, err: failure }, 'request failed');
        else log.debug({ ...labels, ms }, 'request');
      })
      // answer() never rejects; this is the last line so that a bug in the lines above cannot
      // become an unhandled rejection that takes the node down.
      .catch((err: unknown) => {
        log.error({ err }, 'request handling failed');
        res.destroy();
      });
  };
  server.on('request', onRequest);
  // With a listener, Node leaves `100 Continue` to us: bodyReader sends it once the headers passed.
  server.on('checkContinue', onRequest);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => onUpgrade(req, socket, head, options, log));
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => onClientError(err, socket, log));
  return server;
}

/** Runs the route's handler and turns whatever happens into a reply; never rejects. */
async function answer(
  req: IncomingMessage,
  res: ServerResponse,
  route: Route | undefined,
  limit: number,
): Promise<{ reply: EncodedReply; failure?: unknown }> {
  try {
    if (route === undefined) throw new NotFoundError(pathOf(req.url) ?? String(req.url));
    const method = req.method ?? '';
    // HEAD is answered like GET; Node drops the body of a HEAD response.
    const handler = route.methods[method] ?? (method === 'HEAD' ? route.methods.GET : undefined);
    if (handler === undefined) {
      const allow = Object.keys(route.methods);
      if (allow.includes('GET')) allow.push('HEAD');
      return { reply: encodeReply(errorReply(new MethodNotAllowedError(method, route.path), { allow: allow.join(', ') })) };
    }
    const readBody = bodyReader(req, limit, () => res.writeContinue());
    return { reply: encodeReply(await handler({ req, readBody })) };
  } catch (err) {
    return { reply: encodeError(err), failure: err };
  }
}

/** The reply to a failure; details JSON cannot hold (a bug in their own right) degrade to a 500. */
function encodeError(err: unknown): EncodedReply {
  try {
    return encodeReply(errorReply(err));
  } catch {
    return encodeReply(errorReply(undefined));
  }
}

/** The path of a request target without its query; undefined when the target cannot be parsed. */
function pathOf(target: string | undefined): string | undefined {
  try {
    // The base only matters for origin-form targets (`/lot`); absolute-form ones carry their own.
    return new URL(target ?? '/', 'http://localhost').pathname;
  } catch {
    return undefined;
  }
}

function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, options: ApiServerOptions, log: Logger): void {
  // A reset from the client must not become an unhandled 'error' event.
  socket.on('error', () => socket.destroy());
  const upgrade = options.upgrade;
  if (upgrade !== undefined && pathOf(req.url) === upgrade.path) {
    try {
      upgrade.handle(req, socket, head);
    } catch (err) {
      log.error({ err }, 'upgrade handler failed');
      socket.destroy();
    }
    return;
  }
  log.debug({ path: pathOf(req.url) }, 'upgrade refused');
  // Wait for the bytes to leave before destroying, or the 404 may never reach the client.
  socket.once('finish', () => socket.destroy());
  socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
}

/** Statuses for the parser errors Node reports, as Node's own default handler answers them. */
const CLIENT_ERROR_STATUS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout'],
};

function onClientError(err: NodeJS.ErrnoException, socket: Duplex, log: Logger): void {
  log.debug({ code: err.code }, 'client error');
  // Node's private `_httpMessage`: if an answer to an earlier request on this socket has started,
  // writing a raw response now would interleave with it; just drop the connection.
  const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent === true) {
    socket.destroy();
    return;
  }
  const [status, text] = CLIENT_ERROR_STATUS[err.code ?? ''] ?? [400, 'Bad Request'];
  const body = JSON.stringify({ error: new BadRequestError(status === 400 ? 'malformed HTTP request' : text.toLowerCase()).toWire() });
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\ncontent-type: ${JSON_CONTENT_TYPE}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `connection: close\r\n\r\n${body}`,
  );
}
