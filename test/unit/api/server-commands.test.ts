import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GateUnavailableError, NodeStoppingError, NodeUnreachableError, ParkingError, ErrorCodes } from '../../../src/errors.js';
import { INTERNAL_MESSAGE } from '../../../src/api/reply.js';
import { errorOf, postJson, rawRequest, startTestApiServer, type TestApiServer } from '../../support/api-server.js';

let s: TestApiServer;
beforeEach(async () => {
  s = await startTestApiServer();
});
afterEach(async () => {
  await s.close();
});

describe('API commands: refusals from the lot keep their code and map to a status', () => {
  it('an invalid plate answers 400 ERR_INVALID_PLATE', async () => {
    const res = await postJson(s.url, '/entries', { plate: 'no/slashes', gate: 1 });
    expect(res.status).toBe(400);
    // `as unknown`: vitest types its asymmetric matchers (expect.any, expect.stringMatching, ...) as `any`.
    expect(errorOf(res)).toMatchObject({ code: 'ERR_INVALID_PLATE', message: expect.stringContaining('invalid plate') as unknown });
  });

  it('an unknown gate answers 400 ERR_UNKNOWN_GATE with details', async () => {
    const res = await postJson(s.url, '/entries', { plate: 'ABC', gate: 9 });
    expect(res.status).toBe(400);
    expect(errorOf(res)).toMatchObject({ code: 'ERR_UNKNOWN_GATE', details: { gate: 9, gates: 4 } });
  });

  it('a car already inside answers 409 ERR_ALREADY_INSIDE', async () => {
    await postJson(s.url, '/entries', { plate: 'ABC', gate: 1 });
    const res = await postJson(s.url, '/entries', { plate: 'abc', gate: 2 });
    expect(res.status).toBe(409);
    expect(errorOf(res).code).toBe('ERR_ALREADY_INSIDE');
  });

  it('a full lot answers 409 ERR_LOT_FULL', async () => {
    await postJson(s.url, '/entries', { plate: 'A1', gate: 1 });
    await postJson(s.url, '/entries', { plate: 'A2', gate: 1 });
    const res = await postJson(s.url, '/entries', { plate: 'A3', gate: 1 });
    expect(res.status).toBe(409);
    expect(errorOf(res)).toMatchObject({ code: 'ERR_LOT_FULL', details: { spaces: 2, occupied: 2 } });
  });

  it('an exit of a car not inside answers 409 ERR_NOT_INSIDE', async () => {
    const res = await postJson(s.url, '/exits', { plate: 'GHOST', gate: 1 });
    expect(res.status).toBe(409);
    expect(errorOf(res).code).toBe('ERR_NOT_INSIDE');
  });

  it.each([
    ['ERR_GATE_UNAVAILABLE', new GateUnavailableError(2, 'no live node runs it')],
    ['ERR_NODE_STOPPING', new NodeStoppingError()],
    ['ERR_NODE_UNREACHABLE', new NodeUnreachableError('http://n2:3000', 'ECONNREFUSED')],
  ])('%s answers 503', async (code, err) => {
    s.api.fail = err;
    const res = await postJson(s.url, '/entries', { plate: 'ABC', gate: 2 });
    expect(res.status).toBe(503);
    expect(errorOf(res).code).toBe(code);
  });
});

describe('API commands: unexpected failures', () => {
  it('a handler throwing a plain Error answers 500 ERR_INTERNAL with a generic message, and the server keeps running', async () => {
    s.api.fail = new Error('secret database password in /etc/x');
    const res = await rawRequest(s.url, { path: '/lot' });
    expect(res.status).toBe(500);
    expect(res.json).toEqual({ error: { code: 'ERR_INTERNAL', message: INTERNAL_MESSAGE } });
    expect(res.text).not.toContain('secret');
    s.api.fail = undefined;
    expect((await rawRequest(s.url, { path: '/lot' })).status).toBe(200);
  });

  it('an answer JSON cannot encode (a BigInt) answers 500, and the server keeps running', async () => {
    s.api.read = async () => ({ spaces: 2n }) as never;
    expect((await rawRequest(s.url, { path: '/lot' })).status).toBe(500);
    expect((await rawRequest(s.url, { path: '/status' })).status).toBe(200);
  });

  it('an error whose details JSON cannot encode answers a generic 500', async () => {
    s.api.fail = new ParkingError(ErrorCodes.LOT_FULL, 'full', { spaces: 2n });
    const res = await rawRequest(s.url, { path: '/lot' });
    expect(res.status).toBe(500);
    expect(errorOf(res).code).toBe('ERR_INTERNAL');
  });

  it('a rejected non-Error value answers 500 too', async () => {
    s.api.fail = 'a string';
    expect((await postJson(s.url, '/entries', { plate: 'ABC', gate: 1 })).status).toBe(500);
  });

  it('a ParkingError without a client-facing status (ERR_PROTOCOL) answers a generic 500', async () => {
    s.api.fail = new ParkingError(ErrorCodes.PROTOCOL, 'peer sent garbage: internals');
    const res = await rawRequest(s.url, { path: '/status' });
    expect(res.status).toBe(500);
    expect(errorOf(res)).toEqual({ code: 'ERR_INTERNAL', message: INTERNAL_MESSAGE });
  });

  it('a readiness check that throws answers 500, not a crash', async () => {
    const other = await startTestApiServer({
      readiness: () => {
        throw new Error('boom');
      },
    });
    try {
      expect((await rawRequest(other.url, { path: '/readyz' })).status).toBe(500);
      expect((await rawRequest(other.url, { path: '/healthz' })).status).toBe(200);
    } finally {
      await other.close();
    }
  });
});

describe('API commands: Idempotency-Key', () => {
  it('is passed to trackEntry as requestId', async () => {
    await postJson(s.url, '/entries', { plate: 'ABC', gate: 1 }, { 'idempotency-key': 'retry-7f3a' });
    expect(s.api.calls[0]).toMatchObject({ op: 'trackEntry', options: { requestId: 'retry-7f3a' } });
  });

  it('is passed to trackExit as requestId', async () => {
    await postJson(s.url, '/exits', { plate: 'ABC', gate: 1 }, { 'idempotency-key': 'k-2' });
    expect(s.api.calls[0]).toMatchObject({ op: 'trackExit', options: { requestId: 'k-2' } });
  });

  it('is optional: without it no requestId is passed', async () => {
    await postJson(s.url, '/entries', { plate: 'ABC', gate: 1 });
    expect(s.api.calls[0]?.options).toBeUndefined();
  });

  it('accepts 128 printable ASCII characters', async () => {
    const res = await postJson(s.url, '/entries', { plate: 'ABC', gate: 1 }, { 'idempotency-key': 'k'.repeat(128) });
    expect(res.status).toBe(201);
  });

  it('longer than 128 characters answers 400 naming the header, and the api is not called', async () => {
    const res = await postJson(s.url, '/entries', { plate: 'ABC', gate: 1 }, { 'idempotency-key': 'k'.repeat(129) });
    expect(res.status).toBe(400);
    expect(errorOf(res)).toMatchObject({ code: 'ERR_BAD_REQUEST', details: { field: 'Idempotency-Key' } });
    expect(s.api.calls).toHaveLength(0);
  });

  it('with a non-ASCII character answers 400', async () => {
    // Node only lets latin1 through in header values; é arrives as one byte above 0x7e.
    const res = await postJson(s.url, '/entries', { plate: 'ABC', gate: 1 }, { 'idempotency-key': 'caf\u00e9' });
    expect(res.status).toBe(400);
    expect(errorOf(res).code).toBe('ERR_BAD_REQUEST');
  });
});
