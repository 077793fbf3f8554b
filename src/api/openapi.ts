/**
 * `GET /openapi.json`: the OpenAPI 3.1 document of the API, made by @fastify/swagger from the routes'
 * zod schemas, so it describes the routes the server really has. A test holds it and
 * docs/http-api.md to the same paths, methods and statuses (test/unit/api/openapi.test.ts).
 */
import fastifySwagger from '@fastify/swagger';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { VERSION } from '../version.js';
import { jsonReply, sendReply } from './reply.js';
import { answer, type ApiApp } from './routes.js';

/** The path of the document. */
export const OPENAPI_PATH = '/openapi.json';

/** What is said once for all routes, rather than on each operation. */
const DESCRIPTION = [
  'One node of a replicated parking lot; any node answers any request.',
  'A path not listed answers 404 ERR_NOT_FOUND; a listed path with another method answers 405 ERR_METHOD_NOT_ALLOWED',
  'with an `Allow` header; `HEAD` is accepted wherever `GET` is. Every error answer is `{ "error": { "code", "message", "details"? } }`:',
  'branch on `code`. See docs/http-api.md and docs/errors.md.',
].join(' ');

/**
 * Registers the document's generator; call before any route, since it collects routes as they
 * are added. The route serving the document is added by {@link registerOpenApiRoute}.
 */
export async function registerOpenApi(app: ApiApp): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'parking node HTTP API', version: VERSION, description: DESCRIPTION },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
}

/** Adds `GET /openapi.json`. The document is built once, on the first request. */
export function registerOpenApiRoute(app: ApiApp): void {
  let document: unknown;
  app.get(
    OPENAPI_PATH,
    {
      schema: {
        summary: 'this document',
        response: { 200: answer('the OpenAPI 3.1 document of this API', z.looseObject({ openapi: z.string() })) },
      },
    },
    async (request, reply) => {
      document ??= app.swagger();
      return sendReply(request, reply, jsonReply(200, document));
    },
  );
}
