import http from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Car } from '../../../src/types.js';
import { errorOf, postJson, rawRequest, startTestApiServer, type TestApiServer } from '../../support/api-server.js';

let s: TestApiServer;
beforeEach(async () => {
  s = await startTestApiServer();
});
afterEach(async () => {
  await s.close();
});

const post = (body: string | Buffer, headers: Record<string, string | number> = { 'content-type': 'application/json' }) =>
  rawRequest(s.url, { method: 'POST', path: '/entries', headers, body });

describe('API body: content type', () => {
  it('no content type answers 415 ERR_UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await post('{"plate":"ABC","gate":1}', {});
    expect(res.status).toBe(415);
    expect(errorOf(res).code).toBe('ERR_UNSUPPORTED_MEDIA_TYPE');
  });

  it('text/plain answers 415', async () => {
    const res = await post('{"plate":"ABC","gate":1}', { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
  });

  it('application/json with a UTF-8 charset is accepted, in any case', async () => {
    const res = await post('{"plate":"ABC","gate":1}', { 'content-type': 'Application/JSON; Charset="UTF-8"' });
    expect(res.status).toBe(201);
  });

  it('application/json with another charset answers 415 rather than mis-decoding', async () => {
    const res = await post('{"plate":"ABC","gate":1}', { 'content-type': 'application/json; charset=latin1' });
    expect(res.status).toBe(415);
  });
});

describe('API body: syntax', () => {
  it('malformed JSON answers 400 saying so', async () => {
    const res = await post('{"plate":"ABC",');
    expect(res.status).toBe(400);
    // `as unknown`: vitest types its asymmetric matchers (expect.any, expect.stringMatching, ...) as `any`.
    expect(errorOf(res)).toMatchObject({ code: 'ERR_BAD_REQUEST', message: expect.stringMatching(/^malformed JSON/) as unknown });
  });

  it('an empty body answers 400 saying it is empty', async () => {
    const res = await post('');
    expect(res.status).toBe(400);
    expect(errorOf(res).message).toMatch(/empty/);
  });

  it('bytes that are not UTF-8 answer 400', async () => {
    const res = await post(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    expect(res.status).toBe(400);
    expect(errorOf(res).message).toMatch(/UTF-8/);
  });

  it('a JSON value that is not an object answers 400', async () => {
    for (const body of ['[]', 'null', '"ABC"', '42']) {
      const res = await post(body);
      expect(res.status, body).toBe(400);
      expect(errorOf(res).message, body).toMatch(/JSON object/);
    }
  });

  it('a chunked body without Content-Length is read', async () => {
    const res = await post('{"plate":"ABC","gate":1}', { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    expect(res.status).toBe(201);
  });
});

describe('API body: fields', () => {
  it.each([
    ['gate as a string', { plate: 'ABC', gate: '1' }, 'gate', /gate must be an integer/],
    ['gate with a fraction', { plate: 'ABC', gate: 1.5 }, 'gate', /gate must be an integer/],
    ['gate beyond safe integers', { plate: 'ABC', gate: 2 ** 60 }, 'gate', /gate must be an integer/],
    ['plate as a number', { plate: 42, gate: 1 }, 'plate', /plate must be a string/],
    ['missing plate', { gate: 1 }, 'plate', /plate is required/],
    ['missing gate', { plate: 'ABC' }, 'gate', /gate is required/],
    ['plate over 64 characters', { plate: 'A'.repeat(65), gate: 1 }, 'plate', /at most 64/],
    ['an extra field', { plate: 'ABC', gate: 1, color: 'red' }, 'color', /unknown field "color"/],
  ])('%s answers 400 ERR_BAD_REQUEST naming the field', async (_name, body, field, message) => {
    const res = await postJson(s.url, '/entries', body);
    expect(res.status).toBe(400);
    expect(errorOf(res)).toMatchObject({ code: 'ERR_BAD_REQUEST', message: expect.stringMatching(message) as unknown, details: { field } });
    expect(s.api.calls).toHaveLength(0);
  });

  it('a __proto__ key is refused as an unknown field, not merged', async () => {
    const res = await post('{"plate":"ABC","gate":1,"__proto__":{"x":1}}');
    expect(res.status).toBe(400);
    expect(errorOf(res).details).toEqual({ field: '__proto__' });
  });

  it('an empty plate reaches the api, whose rules refuse it as ERR_INVALID_PLATE', async () => {
    const res = await postJson(s.url, '/entries', { plate: '', gate: 1 });
    expect(s.api.calls[0]?.plate).toBe('');
    expect(errorOf(res).code).toBe('ERR_INVALID_PLATE');
  });

  it('whitespace in the plate passes through unchanged to the api, whose rules normalize it', async () => {
    const res = await postJson(s.url, '/entries', { plate: 'ab\n c', gate: 1 });
    expect(s.api.calls[0]?.plate).toBe('ab\n c');
    expect(res.status).toBe(201);
    expect((res.json as Car).plate).toBe('AB C');
  });

  it('a 64-character plate reaches the api', async () => {
    await postJson(s.url, '/entries', { plate: 'A'.repeat(64), gate: 1 });
    expect(s.api.calls[0]?.plate).toBe('A'.repeat(64));
  });

  it('unicode and control characters in the plate pass through unchanged to the api, which rejects them', async () => {
    for (const plate of ['ÄBC 123', '車 42', 'AB\u0000C', '\u202eABC', '😀']) {
      s.api.calls.length = 0;
      const res = await postJson(s.url, '/entries', { plate, gate: 1 });
      expect(s.api.calls[0]?.plate, JSON.stringify(plate)).toBe(plate);
      expect(res.status).toBe(400);
      expect(errorOf(res).code).toBe('ERR_INVALID_PLATE');
    }
  });
});

describe('API body: size limit', () => {
  it('a 1 MiB body answers 413 and closes the connection, and the server answers the next request', async () => {
    const res = await post(Buffer.alloc(1024 * 1024, 0x20));
    expect(res.status).toBe(413);
    expect(errorOf(res)).toMatchObject({ code: 'ERR_PAYLOAD_TOO_LARGE', details: { limit: 64 * 1024 } });
    expect(res.headers.connection).toBe('close');
    expect((await postJson(s.url, '/entries', { plate: 'ABC', gate: 1 })).status).toBe(201);
  });

  it('a 1 MiB chunked body (no Content-Length) answers 413 once the limit is crossed', async () => {
    const res = await post(Buffer.alloc(1024 * 1024, 0x20), { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    expect(res.status).toBe(413);
    expect((await rawRequest(s.url, { path: '/lot' })).status).toBe(200);
  });

  it('answers 413 without waiting for the body when Content-Length is over the limit', async () => {
    // Only the headers are sent: the answer must come without the body ever arriving.
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request(`${s.url}/entries`, {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': 1024 * 1024 },
      });
      req.on('response', resolve);
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(res.statusCode).toBe(413);
    res.socket.destroy();
  });

  it('refuses an oversized body before upload when the client asks Expect: 100-continue', async () => {
    const { status, continued } = await new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
      let continued = false;
      const req = http.request(`${s.url}/entries`, {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': 1024 * 1024, expect: '100-continue' },
      });
      req.on('continue', () => (continued = true));
      req.on('response', (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, continued });
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(status).toBe(413);
    expect(continued).toBe(false);
  });

  it('invites the upload with 100 Continue when the body is acceptable', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const body = JSON.stringify({ plate: 'ABC', gate: 1 });
      const req = http.request(`${s.url}/entries`, {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), expect: '100-continue' },
      });
      req.on('continue', () => req.end(body));
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(status).toBe(201);
  });

  it('honours a smaller bodyLimitBytes', async () => {
    const small = await startTestApiServer({ bodyLimitBytes: 16 });
    try {
      const res = await postJson(small.url, '/entries', { plate: 'ABCDEFGHIJ', gate: 1 });
      expect(res.status).toBe(413);
      expect(errorOf(res).details).toEqual({ limit: 16 });
    } finally {
      await small.close();
    }
  });
});
