/**
 * The HTTP API of a real `parking start` process: bad requests get a clear 4xx, change nothing, and
 * the node keeps answering; the probes and metrics answer.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WireError } from '../../../src/errors.js';
import type { ExitResult, LotView } from '../../../src/types.js';
import { killAll, startProcess, type NodeProcess } from '../../support/cluster-processes.js';

let node: NodeProcess;
beforeAll(async () => {
  node = await startProcess(['--port', '0', '--name', 'http1', '--discovery', 'none', '--spaces', '3']);
});
afterAll(killAll);

interface Answer {
  status: number;
  text: string;
  /** The parsed body; undefined when it is not JSON. */
  json: unknown;
}

/** The error of an error answer (`{ error: { code, message } }`); undefined for any other body. */
function errorOf(answer: Answer): Partial<WireError> | undefined {
  return (answer.json as { error?: Partial<WireError> } | undefined)?.error;
}

function send(
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, node.url);
    const req = request(url, { method, headers: body === undefined ? {} : headers }, (res) => {
      let text = '';
      res
        .setEncoding('utf8')
        .on('data', (d: string) => (text += d))
        .on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, text, json });
        });
    });
    // A server that refuses a large body early may reset the upload; the answer already arrived.
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err)));
    req.end(body);
  });
}

async function lot(): Promise<LotView> {
  return (await send('GET', '/lot')).json as LotView;
}

describe('the HTTP API of a real node', () => {
  it('records an entry and an exit, and answers the probes and metrics', async () => {
    expect((await send('POST', '/entries', JSON.stringify({ plate: ' http  1 ', gate: 1 }))).status).toBe(201);
    expect((await lot()).cars.map((c) => c.plate)).toEqual(['HTTP 1']);
    const exit = await send('POST', '/exits', JSON.stringify({ plate: 'HTTP 1', gate: 2 }));
    expect(exit.status).toBe(200);
    expect((exit.json as ExitResult).car.plate).toBe('HTTP 1');
    expect((await send('GET', '/healthz')).json).toEqual({ ok: true });
    expect((await send('GET', '/readyz')).json).toEqual({ ready: true });
    const metrics = await send('GET', '/metrics');
    expect(metrics.text).toContain('parking_entries_total 1');
    expect(metrics.text).toContain('parking_http_request_duration_seconds_bucket');
  });

  it.each([
    ['malformed JSON', '{"plate": "A", "gate": 1', 400, 'ERR_BAD_REQUEST'],
    ['an empty body', '', 400, 'ERR_BAD_REQUEST'],
    ['gate as a string', JSON.stringify({ plate: 'BAD 1', gate: '1' }), 400, 'ERR_BAD_REQUEST'],
    ['a fractional gate', JSON.stringify({ plate: 'BAD 1', gate: 1.5 }), 400, 'ERR_BAD_REQUEST'],
    ['plate as a number', JSON.stringify({ plate: 42, gate: 1 }), 400, 'ERR_BAD_REQUEST'],
    ['an extra field', JSON.stringify({ plate: 'BAD 1', gate: 1, color: 'red' }), 400, 'ERR_BAD_REQUEST'],
    ['a JSON array', JSON.stringify([{ plate: 'BAD 1', gate: 1 }]), 400, 'ERR_BAD_REQUEST'],
    ['an extra-long plate', JSON.stringify({ plate: 'X'.repeat(5000), gate: 1 }), 400, 'ERR_BAD_REQUEST'],
    ['unicode letters in the plate', JSON.stringify({ plate: 'ÄBC 1', gate: 1 }), 400, 'ERR_INVALID_PLATE'],
    ['an emoji plate', JSON.stringify({ plate: '🚗', gate: 1 }), 400, 'ERR_INVALID_PLATE'],
    ['a control character in the plate', JSON.stringify({ plate: 'AB\u0000C', gate: 1 }), 400, 'ERR_INVALID_PLATE'],
    ['a right-to-left override in the plate', JSON.stringify({ plate: 'AB\u202eC', gate: 1 }), 400, 'ERR_INVALID_PLATE'],
    ['an unknown gate', JSON.stringify({ plate: 'BAD 1', gate: 9 }), 400, 'ERR_UNKNOWN_GATE'],
  ])('answers %s with %i %s and writes nothing', async (_name, body, status, code) => {
    const before = await lot();
    const answer = await send('POST', '/entries', body);
    expect(answer.status).toBe(status);
    expect(errorOf(answer)?.code).toBe(code);
    expect(errorOf(answer)?.message).toEqual(expect.any(String));
    expect(await lot()).toEqual(before);
  });

  it('refuses a 1 MiB body with 413 before reading it all, and keeps serving', async () => {
    const before = await lot();
    const answer = await send('POST', '/entries', Buffer.alloc(1024 * 1024, 0x20));
    expect(answer.status).toBe(413);
    expect(errorOf(answer)?.code).toBe('ERR_PAYLOAD_TOO_LARGE');
    expect(await lot()).toEqual(before);
  });

  it('refuses a body that is not JSON with 415, an unknown path with 404, a wrong method with 405', async () => {
    expect((await send('POST', '/entries', 'plate=A&gate=1', { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect((await send('GET', '/nowhere')).status).toBe(404);
    expect((await send('DELETE', '/lot')).status).toBe(405);
  });

  it('answers the lot rules with 409 and their codes', async () => {
    expect((await send('POST', '/entries', JSON.stringify({ plate: 'R 1', gate: 1 }))).status).toBe(201);
    const again = await send('POST', '/entries', JSON.stringify({ plate: 'r 1', gate: 2 }));
    expect([again.status, errorOf(again)?.code]).toEqual([409, 'ERR_ALREADY_INSIDE']);
    const gone = await send('POST', '/exits', JSON.stringify({ plate: 'NEVER 1', gate: 1 }));
    expect([gone.status, errorOf(gone)?.code]).toEqual([409, 'ERR_NOT_INSIDE']);
    for (const plate of ['R 2', 'R 3']) expect((await send('POST', '/entries', JSON.stringify({ plate, gate: 1 }))).status).toBe(201);
    const full = await send('POST', '/entries', JSON.stringify({ plate: 'R 4', gate: 1 }));
    expect([full.status, errorOf(full)?.code]).toEqual([409, 'ERR_LOT_FULL']);
    expect((await lot()).occupied).toBe(3);
  });
});
