/**
 * The node:http server under fastify (built by fastify's `serverFactory`), so that what happens
 * below HTTP routing stays ours: the timeouts and header cap, `Expect: 100-continue` (answered by
 * the body checks, src/api/body.ts), WebSocket upgrades on the peer path handed to the cluster, and
 * the raw answers to bytes that are not HTTP. Nothing a client sends can throw out of it.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { BadRequestError } from '../errors.js';
import type { Logger } from '../log.js';
import { JSON_CONTENT_TYPE } from './reply.js';

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

/** WebSocket upgrades on `path` go to `handle`; any other upgrade gets 404. */
export interface UpgradeRoute {
  path: string;
  handle: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
}

/**
 * Creates the server, not listening, with fastify's `handler` on `request` and on `checkContinue`
 * (with a listener there, Node sends no `100 Continue` of its own).
 */
export function createHttpServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  upgrade: UpgradeRoute | undefined,
  log: Logger,
): http.Server {
  const server = http.createServer({ requestTimeout: REQUEST_TIMEOUT_MS, headersTimeout: HEADERS_TIMEOUT_MS }, handler);
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.maxHeadersCount = MAX_HEADERS_COUNT;
  server.on('checkContinue', handler);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => onUpgrade(req, socket, head, upgrade, log));
  return server;
}

/** The path of a request target without its query; undefined when the target cannot be parsed. */
export function pathOf(target: string | undefined): string | undefined {
  try {
    // The base only matters for origin-form targets (`/lot`); absolute-form ones carry their own.
    return new URL(target ?? '/', 'http://localhost').pathname;
  } catch {
    return undefined;
  }
}

function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, upgrade: UpgradeRoute | undefined, log: Logger): void {
  // A reset from the client must not become an unhandled 'error' event.
  socket.on('error', () => socket.destroy());
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

/**
 * The server's `clientError` handler (fastify installs it as `clientErrorHandler`): bytes Node's
 * parser refused get a raw answer with our error body, and the connection is closed.
 */
export function onClientError(err: NodeJS.ErrnoException, socket: Duplex, log: Logger): void {
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
