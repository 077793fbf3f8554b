// @ts-check
/**
 * Tiny HTTP JSON helpers for the lab clients (plain .mjs: they run as their own Node processes inside
 * a lab host, through `ip netns exec`). No keep-alive: each request is one connection, so a cut or a
 * killed node shows up per request, and no pooled socket outlives a fault.
 */
import http from 'node:http';

/**
 * One request. Resolves `{status, body}` on an answer, or `{error, sent}` where `sent` tells whether
 * the request may have reached the node (false only for a refused connection).
 * @param {string} url
 * @param {string} method
 * @param {unknown} [body]
 * A connection not established within `connectTimeoutMs` (a host that vanished: SYNs unanswered)
 * is reported as `CONNECT_TIMEOUT` with `sent: false`: no byte of the request left.
 * @param {{timeoutMs?: number, connectTimeoutMs?: number, headers?: Record<string,string>}} [opts]
 * @returns {Promise<{status?: number, body?: any, error?: string, sent: boolean}>}
 */
export function request(url, method, body, opts = {}) {
  const timeoutMs = opts.timeoutMs ?? 5000;
  return new Promise((resolve) => {
    let settled = false;
    /** @param {{status?: number, body?: any, error?: string, sent: boolean}} r */
    const done = (r) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(connectTimer);
      resolve(r);
    };
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(url, {
      method,
      agent: false,
      headers: { ...(data ? { 'content-type': 'application/json', 'content-length': String(data.length) } : {}), ...opts.headers },
    });
    let connected = false;
    req.on('socket', (socket) => socket.once('connect', () => (connected = true)));
    const connectTimer = setTimeout(() => {
      if (connected) return;
      req.destroy();
      done({ error: 'CONNECT_TIMEOUT', sent: false });
    }, opts.connectTimeoutMs ?? 1000);
    const timer = setTimeout(() => {
      req.destroy();
      done({ error: 'TIMEOUT', sent: true });
    }, timeoutMs);
    req.on('error', (/** @type {NodeJS.ErrnoException} */ err) =>
      done({
        error: err.code ?? err.message,
        sent: err.code !== 'ECONNREFUSED' && err.code !== 'EHOSTUNREACH' && err.code !== 'ENETUNREACH',
      }),
    );
    req.on('response', (res) => {
      const chunks = /** @type {Buffer[]} */ ([]);
      res.on('data', (c) => chunks.push(c));
      res.on('error', (err) => done({ error: /** @type {any} */ (err).code ?? 'RESPONSE_ERROR', sent: true }));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed;
        try {
          parsed = text === '' ? undefined : JSON.parse(text);
        } catch {
          parsed = { raw: text.slice(0, 200) };
        }
        done({ status: res.statusCode ?? 0, body: parsed, sent: true });
      });
    });
    req.end(data);
  });
}

/**
 * A seeded PRNG, so a workload can be replayed from its seed: the node's own (src/random.ts), from the
 * build that `npm run test:system` makes first.
 */
export { seededRandom as prng } from '../../../dist/src/random.js';

/**
 * Wall-clock time in ms with sub-ms precision, comparable across the lab's processes: the node's own
 * (src/clock.ts `preciseNow`, which does not trust `performance.timeOrigin`).
 */
export { preciseNow as now } from '../../../dist/src/clock.js';
