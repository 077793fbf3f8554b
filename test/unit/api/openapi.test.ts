/**
 * `GET /openapi.json` against docs/http-api.md: the document describes the routes the server has,
 * and the page's route table and error table describe the same methods, paths and statuses. A route
 * added to one and not the other fails here.
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, startTestApiServer, type TestApiServer } from '../../support/api-server.js';

interface Operation {
  summary?: string;
  responses: Record<string, { content?: Record<string, unknown> }>;
  requestBody?: { content: Record<string, { schema: unknown }> };
}
interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

/** The rows of the page's route table: method, path and the statuses of its "success" column. */
function documentedRoutes(): { method: string; path: string; statuses: number[] }[] {
  const page = readFileSync(new URL('../../../docs/http-api.md', import.meta.url), 'utf8');
  const table = page.slice(page.indexOf('## Routes'), page.indexOf('### '));
  return [...table.matchAll(/^\| `(\w+)` \| `([^`]+)` \| ([\d /]+) \|/gm)].map((m) => ({
    method: m[1]!.toLowerCase(),
    path: m[2]!,
    statuses: m[3]!.split('/').map((s) => Number(s.trim())),
  }));
}

/** The statuses of the page's error table, as numbers. */
function documentedErrorStatuses(): number[] {
  const page = readFileSync(new URL('../../../docs/http-api.md', import.meta.url), 'utf8');
  const table = page.slice(page.indexOf('| status | codes | meaning |'));
  return [...table.matchAll(/^\| (\d{3}) \|/gm)].map((m) => Number(m[1]));
}

describe('GET /openapi.json', () => {
  let s: TestApiServer;
  let doc: OpenApiDocument;

  beforeAll(async () => {
    s = await startTestApiServer({ events: new EventEmitter() });
    const res = await rawRequest(s.url, { path: '/openapi.json' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    doc = res.json as OpenApiDocument;
  });
  afterAll(() => s.close());

  it('is an OpenAPI 3.1 document of this API, with its version', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBe('parking node HTTP API');
    expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('lists exactly the routes of the docs, each GET also with HEAD absent from the spec', () => {
    const documented = documentedRoutes();
    expect(documented.length).toBeGreaterThanOrEqual(10);
    const inSpec = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`))
      .filter((op) => !op.startsWith('head '))
      .sort();
    expect(inSpec).toEqual(documented.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('gives every documented success status of a route', () => {
    for (const route of documentedRoutes()) {
      const responses = doc.paths[route.path]?.[route.method]?.responses ?? {};
      for (const status of route.statuses) expect(Object.keys(responses), `${route.method} ${route.path}`).toContain(String(status));
    }
  });

  it('gives the command routes every error status of the docs that a command can meet', () => {
    // 404 and 405 are about paths and methods, said once in the document's description.
    const commandErrors = documentedErrorStatuses().filter((status) => status !== 404 && status !== 405);
    expect(commandErrors.sort()).toEqual([400, 409, 413, 415, 422, 500, 503]);
    for (const path of ['/entries', '/exits']) {
      const responses = Object.keys(doc.paths[path]?.post?.responses ?? {});
      for (const status of commandErrors) expect(responses, `POST ${path}`).toContain(String(status));
    }
  });

  it('describes the command body with plate and gate, the schema the server validates with', async () => {
    const body = doc.paths['/entries']?.post?.requestBody?.content['application/json']?.schema as { $ref?: string };
    // Request schemas are named `<id>Input` by fastify-type-provider-zod.
    expect(body.$ref).toBe('#/components/schemas/CommandBodyInput');
    const schema = doc.components.schemas['CommandBodyInput'] as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties).sort()).toEqual(['gate', 'plate']);
    expect(schema.required.sort()).toEqual(['gate', 'plate']);
    // The server refuses what the schema refuses: an unknown field.
    const res = await rawRequest(s.url, {
      method: 'POST',
      path: '/entries',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ plate: 'ABC 123', gate: 1, colour: 'red' }),
    });
    expect(res.status).toBe(400);
    expect((res.json as { error: { details: { field: string } } }).error.details.field).toBe('colour');
  });

  it('answers HEAD like GET, without a body', async () => {
    const res = await rawRequest(s.url, { method: 'HEAD', path: '/openapi.json' });
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
  });
});
