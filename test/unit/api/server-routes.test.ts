import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClusterView } from '../../../src/types.js';
import { errorOf, postJson, rawRequest, startTestApiServer, type TestApiServer } from '../../support/api-server.js';

let s: TestApiServer;
beforeEach(async () => {
  s = await startTestApiServer();
});
afterEach(async () => {
  await s.close();
});

describe('API routes: success answers', () => {
  it('POST /entries answers 201 with the car, as JSON with charset', async () => {
    const res = await postJson(s.url, '/entries', { plate: 'abc 123', gate: 1 });
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    // `as unknown`: vitest types its asymmetric matchers (expect.any, expect.stringMatching, ...) as `any`.
    expect(res.json).toEqual({ plate: 'ABC 123', gate: 1, enteredAt: expect.any(Number) as unknown, node: 'fake' });
  });

  it('POST /exits answers 200 with the exit result', async () => {
    await postJson(s.url, '/entries', { plate: 'ABC 123', gate: 1 });
    const res = await postJson(s.url, '/exits', { plate: 'ABC 123', gate: 3 });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      car: { plate: 'ABC 123', gate: 1, enteredAt: expect.any(Number) as unknown, node: 'fake' },
      gate: 3,
      exitedAt: expect.any(Number) as unknown,
      stayMs: 1000,
    });
  });

  it('GET /lot answers 200 with the lot view', async () => {
    await postJson(s.url, '/entries', { plate: 'ABC 123', gate: 2 });
    const res = await rawRequest(s.url, { path: '/lot' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ spaces: 2, occupied: 1, free: 1, cars: [{ plate: 'ABC 123', gate: 2 }] });
  });

  it('GET /cluster answers 200 with the cluster view', async () => {
    const res = await rawRequest(s.url, { path: '/cluster' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ self: 'fake', members: [{ name: 'fake', status: 'alive' }] });
    expect((res.json as ClusterView).gates).toHaveLength(4);
  });

  it('GET /status answers 200 with the node status', async () => {
    const res = await rawRequest(s.url, { path: '/status' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ name: 'fake', spaces: 2, gates: 4, ready: true });
  });

  it('a query string does not change the route', async () => {
    const res = await rawRequest(s.url, { path: '/lot?verbose=1' });
    expect(res.status).toBe(200);
  });

  it('HEAD on a GET route answers the headers without a body', async () => {
    const res = await rawRequest(s.url, { method: 'HEAD', path: '/status' });
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
  });
});

describe('API routes: health, readiness, metrics', () => {
  it('GET /healthz answers 200 {ok:true} by default', async () => {
    const res = await rawRequest(s.url, { path: '/healthz' });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ok: true });
  });

  it('GET /healthz answers 503 with the reason when liveness says not ok', async () => {
    s.liveness = { ok: false, reason: 'event loop stalled' };
    const res = await rawRequest(s.url, { path: '/healthz' });
    expect(res.status).toBe(503);
    expect(res.json).toEqual({ ok: false, reason: 'event loop stalled' });
  });

  it('GET /healthz is ok when no liveness check is given', async () => {
    const other = await startTestApiServer({ liveness: undefined });
    try {
      expect((await rawRequest(other.url, { path: '/healthz' })).status).toBe(200);
    } finally {
      await other.close();
    }
  });

  it('GET /readyz answers 200 {ready:true} when ready', async () => {
    const res = await rawRequest(s.url, { path: '/readyz' });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ready: true });
  });

  it('GET /readyz answers 503 with the reason when not ready', async () => {
    s.readiness = { ready: false, reason: 'joining the cluster' };
    const res = await rawRequest(s.url, { path: '/readyz' });
    expect(res.status).toBe(503);
    expect(res.json).toEqual({ ready: false, reason: 'joining the cluster' });
  });

  it('GET /metrics answers the Prometheus text with the request histogram', async () => {
    await rawRequest(s.url, { path: '/lot' });
    const res = await rawRequest(s.url, { path: '/metrics' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(s.metrics.registry.contentType);
    expect(res.text).toContain('parking_http_request_duration_seconds');
    expect(res.text).toMatch(/parking_http_request_duration_seconds_count\{method="GET",route="\/lot",status="200"\} 1/);
  });

  it('metrics label unknown paths and methods with bounded values', async () => {
    await rawRequest(s.url, { path: '/no/such/thing' });
    expect((await rawRequest(s.url, { method: 'PURGE', path: '/lot' })).status).toBe(405);
    const text = (await rawRequest(s.url, { path: '/metrics' })).text;
    expect(text).toContain('route="unmatched"');
    expect(text).toContain('method="OTHER",route="/lot",status="405"');
    expect(text).not.toContain('/no/such/thing');
  });
});

describe('API routes: unknown paths and methods', () => {
  it('an unknown path answers 404 ERR_NOT_FOUND', async () => {
    const res = await rawRequest(s.url, { path: '/nope' });
    expect(res.status).toBe(404);
    expect(errorOf(res).code).toBe('ERR_NOT_FOUND');
  });

  it('a known path with the wrong method answers 405 with an Allow header', async () => {
    const res = await rawRequest(s.url, { method: 'GET', path: '/entries' });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
    expect(errorOf(res).code).toBe('ERR_METHOD_NOT_ALLOWED');
  });

  it('POST on a GET route answers 405 allowing GET and HEAD, without reading the body', async () => {
    const res = await postJson(s.url, '/lot', { plate: 'A', gate: 1 });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
  });
});
