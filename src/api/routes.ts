/**
 * The routes, registered on fastify with their schemas (src/api/schemas.ts for requests,
 * src/api/response-schemas.ts for answers): the schemas validate the body and make
 * `GET /openapi.json`. Handlers validate everything before they call the api, return a
 * {@link Reply}, and never touch the response.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { Logger } from '../log.js';
import type { CommandOptions, ParkingApi } from '../types.js';
import { beforeBody } from './body.js';
import { jsonReply, sendReply, type Reply } from './reply.js';
import {
  ClusterViewSchema,
  ErrorBodySchema,
  ExitResultSchema,
  LivenessSchema,
  LotViewSchema,
  NodeStatusSchema,
  NotLiveSchema,
  NotReadySchema,
  ReadinessSchema,
  CarSchema,
} from './response-schemas.js';
import { CommandBodySchema, CommandHeadersSchema, parseIdempotencyKey, type CommandBody } from './schemas.js';

/** The fastify instance the API is built on, typed by its zod schemas. */
export type ApiApp = FastifyInstance<Server, IncomingMessage, ServerResponse, Logger, ZodTypeProvider>;

/** What the routes need from the server's options. */
export interface RouteDeps {
  api: ParkingApi;
  registry: Registry;
  readiness: () => { ready: boolean; reason?: string };
  liveness: () => { ok: boolean; reason?: string };
  /** Largest accepted request body, in bytes. */
  limit: number;
}

/** One documented answer: its description and, for JSON answers, its schema. */
export function answer(description: string, schema: z.ZodType, contentType = 'application/json') {
  return { description, content: { [contentType]: { schema } } };
}

/** The error answers, by status, as docs/http-api.md lists them. */
const errors = {
  400: answer('the request is wrong (ERR_BAD_REQUEST, ERR_INVALID_PLATE, ERR_UNKNOWN_GATE); fix it before retrying', ErrorBodySchema),
  409: answer('the lot refuses the command (ERR_ALREADY_INSIDE, ERR_LOT_FULL, ERR_NOT_INSIDE)', ErrorBodySchema),
  422: answer('the Idempotency-Key was used for another command (ERR_IDEMPOTENCY_KEY_REUSED); use a new key', ErrorBodySchema),
  413: answer('body over the limit (ERR_PAYLOAD_TOO_LARGE); the connection is closed', ErrorBodySchema),
  415: answer('not application/json in UTF-8 (ERR_UNSUPPORTED_MEDIA_TYPE)', ErrorBodySchema),
  500: answer('a bug (ERR_INTERNAL): the message is generic, the node logs the real error', ErrorBodySchema),
  503: answer(
    'transient (ERR_GATE_UNAVAILABLE, ERR_NODE_STOPPING, ERR_NODE_UNREACHABLE, ERR_OUTCOME_UNKNOWN): retry, with the same Idempotency-Key',
    ErrorBodySchema,
  ),
} as const;

/** Registers every route but `/events` and `/openapi.json` (src/api/events.ts, src/api/openapi.ts). */
export function registerRoutes(app: ApiApp, deps: RouteDeps): void {
  const { api } = deps;
  const get = (url: string, summary: string, response: Record<number, ReturnType<typeof answer>>, run: () => Promise<Reply>): void => {
    app.get(url, { schema: { summary, response } }, (request, reply) => send(request, reply, run));
  };
  const command = (url: '/entries' | '/exits', summary: string, status: 200 | 201, schema: z.ZodType, run: Run): void => {
    app.post(
      url,
      {
        schema: {
          summary,
          headers: CommandHeadersSchema,
          body: CommandBodySchema,
          response: { [status]: answer('the command was applied', schema), ...pick(errors, 400, 409, 413, 415, 422, 500, 503) },
        },
        // The checks that need no body byte come first, so a refused client uploads nothing.
        preParsing: beforeBody(deps.limit, (headers) => void parseIdempotencyKey(headers['idempotency-key'])),
      },
      (request, reply) =>
        send(request, reply, async () => {
          // The Idempotency-Key becomes `requestId`, so a client retry is answered, not re-applied.
          const requestId = request.headers['idempotency-key'];
          return jsonReply(status, await run(request.body, requestId === undefined ? undefined : { requestId }));
        }),
    );
  };

  command('/entries', 'a car enters', 201, CarSchema, (b, o) => api.trackEntry(b.plate, b.gate, o));
  command('/exits', 'a car leaves, by any gate', 200, ExitResultSchema, (b, o) => api.trackExit(b.plate, b.gate, o));
  const reads = pick(errors, 500, 503);
  get('/lot', 'every car inside and the counts', { 200: answer('the lot', LotViewSchema), ...reads }, async () =>
    jsonReply(200, await api.read()),
  );
  get('/cluster', 'members and gate owners as this node sees them', { 200: answer('the view', ClusterViewSchema), ...reads }, async () =>
    jsonReply(200, await api.cluster()),
  );
  get('/status', "this node's summary", { 200: answer('the status', NodeStatusSchema), ...reads }, async () =>
    jsonReply(200, await api.status()),
  );
  get(
    '/healthz',
    'liveness: restart the process when this fails',
    { 200: answer('alive', LivenessSchema), 500: errors[500], 503: answer('not working', NotLiveSchema) },
    async () => {
      const { ok, reason } = deps.liveness();
      return ok ? jsonReply(200, { ok: true }) : jsonReply(503, { ok: false, ...(reason === undefined ? {} : { reason }) });
    },
  );
  get(
    '/readyz',
    'readiness: send traffic only when this answers 200',
    {
      200: answer('joined and synced', ReadinessSchema),
      500: errors[500],
      503: answer('joining, catching up or stopping', NotReadySchema),
    },
    async () => {
      const { ready, reason } = deps.readiness();
      return ready ? jsonReply(200, { ready: true }) : jsonReply(503, { ready: false, reason: reason ?? 'not ready' });
    },
  );
  get(
    '/metrics',
    'Prometheus metrics',
    { 200: answer('the text exposition format', z.string(), 'text/plain'), 500: errors[500] },
    async () => ({ status: 200, text: await deps.registry.metrics(), contentType: deps.registry.contentType }),
  );
}

type Run = (body: CommandBody, options: CommandOptions | undefined) => Promise<unknown>;

/** Runs a handler and sends its reply; what it throws goes to the error handler (src/api/server.ts). */
async function send(request: FastifyRequest, reply: FastifyReply, run: () => Promise<Reply>): Promise<FastifyReply> {
  return sendReply(request, reply, await run());
}

function pick<T extends Record<number, unknown>, K extends keyof T>(from: T, ...keys: K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, from[k]])) as Pick<T, K>;
}
