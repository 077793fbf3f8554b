/**
 * The route table: each path with the handler of each method it allows. Handlers validate
 * everything before they call the api, and return a {@link Reply}; they never touch the response.
 */
import type { IncomingMessage } from 'node:http';
import type { Registry } from 'prom-client';
import type { CommandOptions, ParkingApi } from '../types.js';
import { readJsonBody } from './body.js';
import { jsonReply, type Reply } from './reply.js';
import { parseCommandBody, parseIdempotencyKey } from './schemas.js';

/** What a handler gets for one request. */
export interface RequestContext {
  req: IncomingMessage;
  /** Reads and parses the JSON body (content type, size and syntax checked); call at most once. */
  readBody(): Promise<unknown>;
}

/** Answers one request. May throw: the server turns the error into a reply. */
export type Handler = (ctx: RequestContext) => Promise<Reply>;

/** A path and its handlers by method (upper case). */
export interface Route {
  path: string;
  methods: Readonly<Record<string, Handler>>;
}

/** What the routes need from the server's options. */
export interface RouteDeps {
  api: ParkingApi;
  registry: Registry;
  readiness: () => { ready: boolean; reason?: string };
  liveness: () => { ok: boolean; reason?: string };
}

/** Builds the route table, keyed by exact path. */
export function createRoutes(deps: RouteDeps): Map<string, Route> {
  const { api } = deps;
  const routes: Route[] = [
    { path: '/entries', methods: { POST: command((b, o) => api.trackEntry(b.plate, b.gate, o), 201) } },
    { path: '/exits', methods: { POST: command((b, o) => api.trackExit(b.plate, b.gate, o), 200) } },
    { path: '/lot', methods: { GET: async () => jsonReply(200, await api.read()) } },
    { path: '/cluster', methods: { GET: async () => jsonReply(200, await api.cluster()) } },
    { path: '/status', methods: { GET: async () => jsonReply(200, await api.status()) } },
    {
      path: '/healthz',
      methods: {
        GET: async () => {
          const { ok, reason } = deps.liveness();
          return ok ? jsonReply(200, { ok: true }) : jsonReply(503, { ok: false, ...(reason === undefined ? {} : { reason }) });
        },
      },
    },
    {
      path: '/readyz',
      methods: {
        GET: async () => {
          const { ready, reason } = deps.readiness();
          return ready ? jsonReply(200, { ready: true }) : jsonReply(503, { ready: false, reason: reason ?? 'not ready' });
        },
      },
    },
    {
      path: '/metrics',
      methods: {
        GET: async () => ({ status: 200, text: await deps.registry.metrics(), contentType: deps.registry.contentType }),
      },
    },
  ];
  return new Map(routes.map((r) => [r.path, r]));
}

/**
 * A command route: headers first (cheap, and no body is read for a bad key), then the body, then
 * the api. The Idempotency-Key becomes `requestId`, so a client retry is answered, not re-applied.
 */
function command<T>(
  run: (body: { plate: string; gate: number }, options: CommandOptions | undefined) => Promise<T>,
  status: number,
): Handler {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- readBody is a closure of the request, not a method using this
  return async ({ req, readBody }) => {
    const requestId = parseIdempotencyKey(req.headers['idempotency-key']);
    const body = parseCommandBody(await readBody());
    return jsonReply(status, await run(body, requestId === undefined ? undefined : { requestId }));
  };
}

/** The `readBody` of a request: answers `Expect: 100-continue` only once the headers passed. */
export function bodyReader(req: IncomingMessage, limit: number, writeContinue: () => void): () => Promise<unknown> {
  return async () => {
    const expect = req.headers.expect;
    const body = readJsonBody(req, limit);
    // readJsonBody checked type and declared length synchronously; only then invite the upload.
    if (expect !== undefined && expect.toLowerCase() === '100-continue') writeContinue();
    return body;
  };
}
