import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient } from '../../../src/api/client.js';
import { GateUnavailableError, ParkingError } from '../../../src/errors.js';
import { startTestApiServer, type TestApiServer } from '../../support/api-server.js';

let s: TestApiServer;
let client: ApiClient;
beforeEach(async () => {
  s = await startTestApiServer();
  client = createApiClient(s.url);
});
afterEach(async () => {
  client.close();
  await s.close();
});

/** Resolves with the rejection of `promise`, failing the test if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<ParkingError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ParkingError);
    return err as ParkingError;
  }
  throw new Error('expected a rejection');
}

/** A server on port 0 answering every request with `handler`; closed by the returned function. */
async function serve(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('API client: answers', () => {
  it('trackEntry and trackExit return the car and the exit result', async () => {
    const car = await client.trackEntry('abc 1', 1);
    expect(car).toMatchObject({ plate: 'ABC 1', gate: 1 });
    const exit = await client.trackExit('ABC 1', 2);
    expect(exit).toMatchObject({ car: { plate: 'ABC 1' }, gate: 2, stayMs: 1000 });
  });

  it('read, cluster and status return the views', async () => {
    await client.trackEntry('X1', 1);
    expect(await client.read()).toMatchObject({ spaces: 2, occupied: 1, cars: [{ plate: 'X1' }] });
    expect(await client.cluster()).toMatchObject({ self: 'fake' });
    expect(await client.status()).toMatchObject({ name: 'fake', gates: 4 });
  });

  it('health, ready and metricsText answer, including 503 as a value', async () => {
    expect(await client.health()).toEqual({ ok: true });
    s.readiness = { ready: false, reason: 'syncing' };
    expect(await client.ready()).toEqual({ ready: false, reason: 'syncing' });
    s.liveness = { ok: false };
    expect(await client.health()).toEqual({ ok: false });
    expect(await client.metricsText()).toContain('parking_http_request_duration_seconds');
  });

  it('sends the requestId as Idempotency-Key', async () => {
    await client.trackEntry('ABC', 1, { requestId: 'cli-1' });
    expect(s.api.calls[0]?.options).toEqual({ requestId: 'cli-1' });
  });

  it('sends a fresh Idempotency-Key when none is given, so a retry cannot apply twice', async () => {
    await client.trackEntry('ABC', 1);
    await client.trackExit('ABC', 1);
    const [a, b] = s.api.calls.map((c) => c.options?.requestId);
    expect(a).toMatch(/^[0-9a-f-]{36}$/);
    expect(b).toMatch(/^[0-9a-f-]{36}$/);
    expect(a).not.toBe(b);
  });

  it('exposes the base url without a trailing slash', () => {
    const c = createApiClient(`${s.url}/`);
    expect(c.url).toBe(s.url);
    c.close();
  });

  it('keeps working across the server closing an idle keep-alive connection', async () => {
    await client.read();
    // What the server's keepAliveTimeout does to an idle pooled socket.
    s.server.closeIdleConnections();
    expect(await client.read()).toMatchObject({ spaces: 2 });
  });
});

describe('API client: errors', () => {
  it.each([
    ['ERR_INVALID_PLATE', () => client.trackEntry('no/slash', 1)],
    ['ERR_UNKNOWN_GATE', () => client.trackEntry('ABC', 7)],
    ['ERR_NOT_INSIDE', () => client.trackExit('ABC', 1)],
  ])('maps the node refusing with %s to a ParkingError with that code', async (code, call) => {
    const err = await rejection(call());
    expect(err.code).toBe(code);
  });

  it('keeps the details of the error', async () => {
    await client.trackEntry('A1', 1);
    await client.trackEntry('A2', 1);
    const err = await rejection(client.trackEntry('A3', 1));
    expect(err.toWire()).toMatchObject({ code: 'ERR_LOT_FULL', details: { spaces: 2, occupied: 2 } });
  });

  it('maps a 503 error body to its code', async () => {
    s.api.fail = new GateUnavailableError(3, 'moving');
    expect((await rejection(client.trackEntry('ABC', 3))).code).toBe('ERR_GATE_UNAVAILABLE');
  });

  it('maps a 500 to ERR_INTERNAL', async () => {
    s.api.fail = new Error('boom');
    expect((await rejection(client.status())).code).toBe('ERR_INTERNAL');
  });

  it('maps a closed port to ERR_NODE_UNREACHABLE naming the url and the cause', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const closed = createApiClient(`http://127.0.0.1:${port}`);
    try {
      const err = await rejection(closed.status());
      expect(err.code).toBe('ERR_NODE_UNREACHABLE');
      expect(err.message).toContain(`127.0.0.1:${port}`);
      expect(err.message).toContain('ECONNREFUSED');
      expect(err.details).toEqual({ url: `http://127.0.0.1:${port}` });
      expect(err.cause).toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      closed.close();
    }
  });

  it('maps a connection reset before the answer to ERR_NODE_UNREACHABLE', async () => {
    const srv = await serve((req) => req.socket.resetAndDestroy());
    const c = createApiClient(srv.url);
    try {
      expect((await rejection(c.read())).code).toBe('ERR_NODE_UNREACHABLE');
    } finally {
      c.close();
      await srv.close();
    }
  });

  it('maps a node that never answers to ERR_NODE_UNREACHABLE after timeoutMs', async () => {
    const srv = await serve(() => undefined);
    const c = createApiClient(srv.url, { timeoutMs: 50 });
    try {
      const err = await rejection(c.read());
      expect(err.code).toBe('ERR_NODE_UNREACHABLE');
      expect(err.message).toContain('50 ms');
    } finally {
      c.close();
      await srv.close();
    }
  });

  it('maps a non-JSON answer to ERR_NODE_UNREACHABLE', async () => {
    const srv = await serve((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>hi</html>'));
    const c = createApiClient(srv.url);
    try {
      const err = await rejection(c.read());
      expect(err.code).toBe('ERR_NODE_UNREACHABLE');
      expect(err.message).toContain('not JSON');
    } finally {
      c.close();
      await srv.close();
    }
  });

  it('maps a JSON error status without an error body to ERR_NODE_UNREACHABLE', async () => {
    const srv = await serve((_req, res) => res.writeHead(502, { 'content-type': 'application/json' }).end('{"oops":true}'));
    const c = createApiClient(srv.url);
    try {
      expect((await rejection(c.read())).code).toBe('ERR_NODE_UNREACHABLE');
    } finally {
      c.close();
      await srv.close();
    }
  });

  it('maps an unknown error code from the wire to ERR_INTERNAL', async () => {
    const srv = await serve((_req, res) => res.writeHead(418).end('{"error":{"code":"ERR_TEAPOT","message":"short and stout"}}'));
    const c = createApiClient(srv.url);
    try {
      const err = await rejection(c.read());
      expect(err.code).toBe('ERR_INTERNAL');
      expect(err.message).toBe('short and stout');
    } finally {
      c.close();
      await srv.close();
    }
  });

  it.each(['not a url', 'ftp://host:21', 'http://user:pw@host:1', 'http://host:1/?x=1'])(
    'refuses the url %j with ERR_BAD_REQUEST',
    (url) => {
      expect(() => createApiClient(url)).toThrow(expect.objectContaining({ code: 'ERR_BAD_REQUEST' }));
    },
  );
});
