import net from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeStoppingError } from '../../../src/errors.js';
import { HEADERS_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS, MAX_HEADERS_COUNT, REQUEST_TIMEOUT_MS } from '../../../src/api/server.js';
import { rawRequest, readUntilClosed, startTestApiServer, type TestApiServer } from '../../support/api-server.js';

let s: TestApiServer | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

/** Opens a raw TCP connection, writes `bytes`, and resolves with all the server sent before closing. */
async function exchange(port: number, bytes: string | Buffer): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  const received = readUntilClosed(socket);
  socket.write(bytes);
  return received;
}

describe('API server hygiene', () => {
  it('sets request, headers and keep-alive timeouts and a header count cap', async () => {
    s = await startTestApiServer();
    expect(s.server.requestTimeout).toBe(REQUEST_TIMEOUT_MS);
    expect(s.server.headersTimeout).toBe(HEADERS_TIMEOUT_MS);
    expect(s.server.keepAliveTimeout).toBe(KEEP_ALIVE_TIMEOUT_MS);
    expect(s.server.maxHeadersCount).toBe(MAX_HEADERS_COUNT);
  });

  it('raw TCP garbage gets a 400 and a closed socket, and the server keeps answering', async () => {
    s = await startTestApiServer();
    const answer = await exchange(s.port, Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x0a, 0x0d, 0x0a]));
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toContain('"code":"ERR_BAD_REQUEST"');
    expect((await rawRequest(s.url, { path: '/healthz' })).status).toBe(200);
  });

  it('garbage pipelined after a good request closes that connection without crashing the server', async () => {
    s = await startTestApiServer();
    // The parser fails before the first answer is written; like Node's own handler, the server
    // answers 400 for the connection and closes it.
    const answer = await exchange(s.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nNOT HTTP AT ALL\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect((await rawRequest(s.url, { path: '/healthz' })).status).toBe(200);
  });

  it('a connection that resets mid-request does not crash the server', async () => {
    s = await startTestApiServer();
    const socket = net.connect(s.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('POST /entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"pla');
    socket.resetAndDestroy();
    expect((await rawRequest(s.url, { path: '/healthz' })).status).toBe(200);
  });

  it('oversized headers answer 431', async () => {
    s = await startTestApiServer();
    const answer = await exchange(s.port, `GET /lot HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(32 * 1024)}\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
  });

  it('an upgrade on another path gets a plain 404 and a closed socket', async () => {
    s = await startTestApiServer({ upgrade: { path: '/peer', handle: () => undefined } });
    const answer = await exchange(
      s.port,
      'GET /other HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    expect(answer).toBe('HTTP/1.1 404 Not Found\r\n\r\n');
  });

  it('an upgrade when no upgrade handler is configured gets 404', async () => {
    s = await startTestApiServer();
    const answer = await exchange(s.port, 'GET /peer HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    expect(answer).toBe('HTTP/1.1 404 Not Found\r\n\r\n');
  });

  it('an upgrade on the peer path is handed to the upgrade handler with the socket and head', async () => {
    let seen: { url: string | undefined; head: string } | undefined;
    s = await startTestApiServer({
      upgrade: {
        path: '/peer',
        handle: (req, socket, head) => {
          seen = { url: req.url, head: head.toString() };
          socket.end('HTTP/1.1 101 Switching Protocols\r\n\r\n');
        },
      },
    });
    const answer = await exchange(s.port, 'GET /peer?v=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nhello');
    expect(answer).toBe('HTTP/1.1 101 Switching Protocols\r\n\r\n');
    expect(seen).toEqual({ url: '/peer?v=1', head: 'hello' });
  });

  it('an upgrade handler that throws loses its socket, not the server', async () => {
    s = await startTestApiServer({
      upgrade: {
        path: '/peer',
        handle: () => {
          throw new Error('bug');
        },
      },
    });
    const answer = await exchange(s.port, 'GET /peer HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    expect(answer).toBe('');
    expect((await rawRequest(s.url, { path: '/healthz' })).status).toBe(200);
  });
});

describe('API server logging', () => {
  function capture(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
    const lines: Array<Record<string, unknown>> = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    return { logger: pino({ level: 'debug' }, stream), lines };
  }

  it('logs each request at debug with method, route, status and ms, as component api', async () => {
    const { logger, lines } = capture();
    s = await startTestApiServer({ logger });
    await rawRequest(s.url, { path: '/lot' });
    // `as unknown`: vitest types its asymmetric matchers (expect.any, expect.stringMatching, ...) as `any`.
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 20,
        component: 'api',
        method: 'GET',
        route: '/lot',
        status: '200',
        ms: expect.any(Number) as unknown,
      }),
    );
  });

  it('logs a 5xx at error with the real error, which the client never sees', async () => {
    const { logger, lines } = capture();
    s = await startTestApiServer({ logger });
    s.api.fail = new Error('disk on fire');
    await rawRequest(s.url, { path: '/status' });
    const line = lines.find((l) => l.level === 50);
    expect(line).toMatchObject({ component: 'api', route: '/status', status: '500', err: { message: 'disk on fire' } });
  });

  it('logs a 503 from /readyz at debug, not error: not ready is an answer, not a failure', async () => {
    const { logger, lines } = capture();
    s = await startTestApiServer({ logger });
    s.readiness = { ready: false, reason: 'joining' };
    await rawRequest(s.url, { path: '/readyz' });
    expect(lines.filter((l) => l.level === 50)).toEqual([]);
    expect(lines).toContainEqual(expect.objectContaining({ level: 20, route: '/readyz', status: '503' }));
  });

  it('logs a coded 503 (a node stopping) at info with its code, no stack', async () => {
    const { logger, lines } = capture();
    s = await startTestApiServer({ logger });
    s.api.fail = new NodeStoppingError();
    await rawRequest(s.url, { path: '/lot' });
    expect(lines).toContainEqual(expect.objectContaining({ level: 30, status: '503', code: 'ERR_NODE_STOPPING' }));
    expect(lines.filter((l) => (l as { level: number }).level >= 50)).toEqual([]);
  });
});
