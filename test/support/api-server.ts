/**
 * Test harness for the HTTP API: a real server on 127.0.0.1 port 0 over a {@link FakeParkingApi},
 * and a raw request helper on node:http that reports exactly what came back on the wire.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createApiServer, type ApiServerOptions } from '../../src/api/server.js';
import { systemClock } from '../../src/clock.js';
import { ErrorCodes, type WireError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { createMetrics, type Metrics } from '../../src/metrics.js';
import { FakeParkingApi } from './fake-api.js';

/** A running test server and the knobs tests turn. */
export interface TestApiServer {
  url: string;
  port: number;
  server: http.Server;
  api: FakeParkingApi;
  metrics: Metrics;
  /** What /readyz answers; tests assign it. */
  readiness: { ready: boolean; reason?: string };
  /** What /healthz answers; tests assign it. */
  liveness: { ok: boolean; reason?: string };
  close(): Promise<void>;
}

/** Starts a server on an ephemeral port; `overrides` replace the default options. */
export async function startTestApiServer(overrides: Partial<ApiServerOptions> = {}): Promise<TestApiServer> {
  const api = new FakeParkingApi();
  const metrics = createMetrics();
  const state = {
    readiness: { ready: true } as { ready: boolean; reason?: string },
    liveness: { ok: true } as { ok: boolean; reason?: string },
  };
  const created = await createApiServer({
    api,
    metrics,
    logger: silentLogger(),
    clock: systemClock,
    readiness: () => state.readiness,
    liveness: () => state.liveness,
    ...overrides,
  });
  const server = created.server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    api,
    metrics,
    get readiness() {
      return state.readiness;
    },
    set readiness(value) {
      state.readiness = value;
    },
    get liveness() {
      return state.liveness;
    },
    set liveness(value) {
      state.liveness = value;
    },
    close: () => created.close(),
  };
}

/** What came back for one request. */
export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON (throws if it is not); cast or narrow it to the shape the route answers. */
  json: unknown;
}

const KNOWN_CODES = new Set<unknown>(Object.values(ErrorCodes));

/**
 * The error of an error answer (`{ error: { code, message, details? } }`); throws, naming the body,
 * when the body is not one (so a test reading `.code` of a success fails on the body it got).
 */
export function errorOf(res: RawResponse): WireError {
  const error = (res.json as { error?: unknown } | null)?.error;
  if (typeof error === 'object' && error !== null) {
    const { code, message, details } = error as Record<string, unknown>;
    const detailsOk = details === undefined || (typeof details === 'object' && details !== null);
    if (KNOWN_CODES.has(code) && typeof message === 'string' && detailsOk) return error as WireError;
  }
  throw new Error(`expected an error answer, got ${res.status} ${res.text}`);
}

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string | number>;
  body?: string | Buffer;
  /** A fresh connection instead of the global keep-alive agent. */
  agent?: http.Agent | false;
}

/**
 * Sends one request and resolves with the response, even when the server closes the connection
 * while the body is still being sent (413): a write error after the response arrived is ignored.
 */
export function rawRequest(baseUrl: string, request: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${baseUrl}${request.path}`, {
      method: request.method ?? 'GET',
      headers: request.headers,
      agent: request.agent ?? false,
    });
    let answered = false;
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    req.on('response', (res: IncomingMessage) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text,
          get json() {
            return JSON.parse(text) as unknown;
          },
        });
      });
    });
    req.end(request.body);
  });
}

/** POSTs `body` (serialized unless already a string) as application/json. */
export function postJson(baseUrl: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return rawRequest(baseUrl, { method: 'POST', path, headers: { 'content-type': 'application/json', ...headers }, body: text });
}

/** Resolves with everything the server sends on a raw TCP connection until it closes it. */
export function readUntilClosed(socket: Duplex): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
}
