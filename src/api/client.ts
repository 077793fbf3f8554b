/**
 * The HTTP client of the API, used by the CLI and `parking console`. It implements ParkingApi, so
 * the REPL runs the same against a local node or a remote one.
 *
 * Imports only Node built-ins, src/errors.ts and src/types.ts: the CLI must start fast, without
 * loading yjs, ws, zod or prom-client. Answers are trusted to have the documented shapes (the
 * server is ours); what is checked is that they are JSON at all.
 *
 * Why node:http and not the built-in `fetch`: on Node 20 the first `fetch` call loads and compiles
 * undici, about 180 ms, which doubles a one-shot CLI command. Measured on the 2-core dev machine
 * (Node 20.20.2, one node on loopback, median of 25 alternating runs after 2 warm-ups, wall time of
 * the whole `node dist/src/cli/bin.js ... --node http://127.0.0.1:PORT` process):
 *
 *   | command       | node:http (this file) | fetch   |
 *   |---------------|-----------------------|---------|
 *   | `status`      | 158 ms                | 341 ms  |
 *   | `track-entry` | 163 ms                | 336 ms  |
 *
 * (`node -e` alone: 90 ms; one `http.get`: 100 ms; one `fetch`: 280 ms.) The bar was "within 10 %";
 * measure again when the supported Node versions move on, undici may then be in the startup snapshot.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { BadRequestError, NodeUnreachableError, ParkingError } from '../errors.js';
import type { Car, ClusterView, CommandOptions, ExitResult, LotView, NodeStatus, ParkingApi } from '../types.js';

/** Options of {@link createApiClient}. */
export interface ApiClientOptions {
  /**
   * Give up on a request when the connection sees no bytes for this long, default 10000 ms. The
   * exchanges are small, so this is in effect the deadline for the connect and for the answer.
   */
  timeoutMs?: number;
  /** Reuse connections between requests (fewer handshakes in the REPL), default true. */
  keepAlive?: boolean;
}

/** A ParkingApi over HTTP, plus the probes and metrics. */
export interface ApiClient extends ParkingApi {
  /** The node's base url, without a trailing slash. */
  readonly url: string;
  /** `GET /healthz`: `{ ok: false }` (not an error) when the node says it is unhealthy. */
  health(): Promise<{ ok: boolean }>;
  /** `GET /readyz`: `{ ready: false, reason }` (not an error) while the node is not ready. */
  ready(): Promise<{ ready: boolean; reason?: string }>;
  /** `GET /metrics`, the Prometheus text. */
  metricsText(): Promise<string>;
  /** Destroys pooled connections, so a CLI process can exit at once. */
  close(): void;
}

/** Default of {@link ApiClientOptions.timeoutMs}. */
export const DEFAULT_CLIENT_TIMEOUT_MS = 10_000;

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

/**
 * Creates a client for the node at `url` (`http://host:port`, optionally with a path prefix).
 * Throws ERR_BAD_REQUEST for a url that is not http(s). Every method rejects with the node's own
 * ParkingError, or ERR_NODE_UNREACHABLE when no usable answer came back.
 */
export function createApiClient(url: string, options: ApiClientOptions = {}): ApiClient {
  const base = parseBaseUrl(url);
  const timeoutMs = options.timeoutMs ?? DEFAULT_CLIENT_TIMEOUT_MS;
  const transport = base.protocol === 'https:' ? https : http;
  const agent = new transport.Agent({ keepAlive: options.keepAlive ?? true });
  const baseUrl = base.href.replace(/\/+$/, '');

  const unreachable = (cause: string, original?: unknown): NodeUnreachableError => {
    const err = new NodeUnreachableError(baseUrl, cause);
    if (original !== undefined) err.cause = original;
    return err;
  };

  const send = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}, retried = false): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = transport.request(`${baseUrl}${path}`, {
        method,
        agent,
        timeout: timeoutMs,
        headers: {
          accept: 'application/json',
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }),
          ...headers,
        },
      });
      req.on('timeout', () => req.destroy(unreachable(`no answer within ${timeoutMs} ms`)));
      req.on('error', (err: NodeJS.ErrnoException) => {
        // A pooled connection the server closed as idle just as we reused it. One retry on a fresh
        // connection is safe: reads repeat harmlessly and commands always carry an Idempotency-Key.
        if (req.reusedSocket && err.code === 'ECONNRESET' && !retried) {
          resolve(send(method, path, body, headers, true));
          return;
        }
        reject(err instanceof ParkingError ? err : unreachable(err.code ?? err.message, err));
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (err: NodeJS.ErrnoException) => reject(unreachable(err.code ?? err.message, err)));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers['content-type'] ?? '',
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      });
      req.end(payload);
    });

  /** Parses a JSON answer; error bodies become the node's ParkingError. `accept` lists non-error statuses. */
  const json = async <T>(answer: Answer, accept: number[]): Promise<T> => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.text) as unknown;
    } catch {
      throw unreachable(`answer is not JSON (HTTP ${answer.status}, ${answer.contentType || 'no content type'})`);
    }
    if (accept.includes(answer.status)) return parsed as T;
    const error = typeof parsed === 'object' && parsed !== null ? (parsed as { error?: unknown }).error : undefined;
    if (error !== undefined) throw ParkingError.fromWire(error);
    throw unreachable(`unexpected answer HTTP ${answer.status}`);
  };

  const command = async <T>(path: string, plate: string, gate: number, status: number, opts?: CommandOptions): Promise<T> => {
    // Always send a key, so the retry in send() and any retry by the caller cannot apply twice.
    const headers = { 'idempotency-key': opts?.requestId ?? randomUUID() };
    return json<T>(await send('POST', path, { plate, gate }, headers), [status]);
  };

  return {
    url: baseUrl,
    trackEntry: (plate, gate, opts) => command<Car>('/entries', plate, gate, 201, opts),
    trackExit: (plate, gate, opts) => command<ExitResult>('/exits', plate, gate, 200, opts),
    read: async () => json<LotView>(await send('GET', '/lot'), [200]),
    cluster: async () => json<ClusterView>(await send('GET', '/cluster'), [200]),
    status: async () => json<NodeStatus>(await send('GET', '/status'), [200]),
    // 503 is an answer here, not a failure: it is how the node says "not ok / not ready".
    health: async () => json<{ ok: boolean }>(await send('GET', '/healthz'), [200, 503]),
    ready: async () => json<{ ready: boolean; reason?: string }>(await send('GET', '/readyz'), [200, 503]),
    metricsText: async () => {
      const answer = await send('GET', '/metrics');
      return answer.status === 200 ? answer.text : json<never>(answer, []);
    },
    close: () => agent.destroy(),
  };
}

function parseBaseUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new BadRequestError(`invalid url ${JSON.stringify(url)}: expected http://host:port`, { url });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new BadRequestError(`invalid url ${JSON.stringify(url)}: only http and https are supported`, { url });
  }
  if (parsed.search !== '' || parsed.hash !== '' || parsed.username !== '' || parsed.password !== '') {
    throw new BadRequestError(`invalid url ${JSON.stringify(url)}: no query, fragment or credentials`, { url });
  }
  return parsed;
}
