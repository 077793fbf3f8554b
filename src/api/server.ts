/**
 * The HTTP server of a node, on fastify: the JSON API, health, readiness, metrics, the `/events`
 * stream and `/openapi.json` on the node's one port, with WebSocket upgrades on the peer path
 * handed to the cluster (src/api/http-server.ts). Every answer passes through one writer
 * (src/api/reply.ts), and nothing a client sends can throw out of the server: a malformed request
 * line is answered by `clientError`, a throwing handler by a 500 from the error handler.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import fastify, { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { serializerCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { MethodNotAllowedError, NotFoundError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { ParkingApi } from '../types.js';
import { DEFAULT_BODY_LIMIT_BYTES, readJsonBody } from './body.js';
import { createEventsHandler, EVENTS_PATH, type EventsSource } from './events.js';
import { Exchanges, UNMATCHED } from './exchanges.js';
import { fromFramework, validatorCompiler } from './framework-errors.js';
import { createHttpServer, onClientError, pathOf } from './http-server.js';
import { registerOpenApi, registerOpenApiRoute } from './openapi.js';
import { encodeError, sendEncoded } from './reply.js';
import { ErrorBodySchema, EventsQuerySchema } from './response-schemas.js';
import { answer, registerRoutes, type ApiApp } from './routes.js';

export { HEADERS_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS, MAX_HEADERS_COUNT, REQUEST_TIMEOUT_MS } from './http-server.js';

/** Everything the server needs; the node builds it and binds the returned server. */
export interface ApiServerOptions {
  /** The node (or a stand-in) that executes commands and answers queries. */
  api: ParkingApi;
  /** The node's metrics; the server observes `httpDuration` {method, route, status}. */
  metrics: Metrics;
  /** The node's logger; the server logs as `component: 'api'`, and fastify logs through it. */
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

/** A ready API server: `server` is not listening yet; the node binds it (src/node/listen.ts). */
export interface ApiServer {
  /** The node:http server, with every route ready. */
  readonly server: import('node:http').Server;
  /** Stops accepting connections, closes every open one (streams included) and closes fastify. */
  close(): Promise<void>;
}

/** Creates the API server with every route registered and ready, not listening. */
export async function createApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const log = options.logger.child({ component: 'api' });
  const limit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const exchanges = new Exchanges({ clock: options.clock, metrics: options.metrics, log });
  /** Answers with the error reply of `failure`, remembered for the log line. */
  const refuse = (request: FastifyRequest, reply: FastifyReply, failure: unknown, headers?: Record<string, string>): FastifyReply => {
    exchanges.fail(request, failure);
    return sendEncoded(request, reply, encodeError(failure, headers));
  };
  const app: ApiApp = fastify({
    serverFactory: (handler) => createHttpServer(handler, options.upgrade, log),
    clientErrorHandler: (err, socket) => onClientError(err, socket, log),
    loggerInstance: log,
    // The server logs each request itself, once, with the fields of its metric (src/api/exchanges.ts).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: limit,
    // An absolute-form target (`GET http://host/lot`) is routed by its path, as Node's parser allows it.
    rewriteUrl: (req) => (req.url === undefined || req.url.startsWith('/') ? (req.url ?? '/') : absolutePath(req.url)),
    // A target the router cannot decode (`/%zz`) names no route: 404, like any unknown path.
    frameworkErrors: (_err, request, reply) => {
      exchanges.begin(request, UNMATCHED);
      refuse(request, reply, new NotFoundError(pathOf(request.url) ?? request.url));
      exchanges.end(request, reply.statusCode);
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  // Answers are sent as bytes (src/api/reply.ts), so this only compiles the documented schemas.
  app.setSerializerCompiler(serializerCompiler);
  app.removeAllContentTypeParsers();
  // One parser for every type: a route's preParsing hook has already refused all but JSON.
  app.addContentTypeParser('*', (_request: FastifyRequest, payload: IncomingMessage) => readJsonBody(payload, limit));

  // The methods of each path, for 405 and its Allow header (HEAD routes are added beside GET ones).
  const allowed = new Map<string, string[]>();
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) allowed.set(route.url, [...new Set([...(allowed.get(route.url) ?? []), method])]);
  });
  app.addHook('onRequest', async (request, reply) => {
    exchanges.begin(request, request.routeOptions.url ?? UNMATCHED);
    const path = pathOf(request.url);
    // Decided here, before fastify reads a body: an unknown path or method never uploads one. The
    // path check also keeps a percent-encoded path (`/l%6Ft`, which the router decodes) a 404.
    if (!request.is404 && path === request.routeOptions.url) return;
    const methods = path === undefined ? undefined : allowed.get(path);
    if (path === undefined || methods === undefined) return refuse(request, reply, new NotFoundError(path ?? request.url));
    exchanges.relabel(request, path);
    return refuse(request, reply, new MethodNotAllowedError(request.method, path), { allow: methods.join(', ') });
  });
  app.setErrorHandler((err, request, reply) => refuse(request, reply, fromFramework(err, request, limit)));
  app.addHook('onSend', async (request, reply) => exchanges.end(request, reply.statusCode));

  await registerOpenApi(app);
  registerRoutes(app, {
    api: options.api,
    registry: options.metrics.registry,
    readiness: options.readiness,
    liveness: options.liveness ?? (() => ({ ok: true })),
    limit,
  });
  if (options.events !== undefined) registerEventsRoute(app, options.events, options.clock);
  registerOpenApiRoute(app);
  await app.ready();

  const server = app.server;
  return {
    server,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await app.close();
    },
  };
}

/** `GET /events`: a stream, not a reply, so the events handler owns the response until the client goes. */
function registerEventsRoute(app: ApiApp, source: EventsSource, clock: Clock): void {
  const events = createEventsHandler({ source, defer: (fn) => clock.defer(fn) });
  app.get(
    EVENTS_PATH,
    {
      schema: {
        summary: "the node's change events as Server-Sent Events",
        querystring: EventsQuerySchema,
        response: {
          200: answer('`event: <name>` and `data: <JSON>` frames until the client goes away', z.string(), 'text/event-stream'),
          400: answer('an unknown event name in `types` (ERR_BAD_REQUEST)', ErrorBodySchema),
        },
      },
    },
    (request, reply) => {
      reply.hijack();
      events(request.raw, reply.raw);
    },
  );
}

function absolutePath(target: string): string {
  try {
    const url = new URL(target);
    return url.pathname + url.search;
  } catch {
    return target;
  }
}
