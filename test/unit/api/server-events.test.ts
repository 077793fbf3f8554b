/**
 * `GET /events` through the real server: a client on a socket subscribes, receives the node's events
 * as Server-Sent Events frames (filtered by `?types=`), is refused with a coded 400 for an unknown
 * name, and leaves no listener behind when it goes away or the server closes.
 */
import { EventEmitter } from 'node:events';
import http, { type IncomingMessage } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rawRequest, startTestApiServer, type TestApiServer } from '../../support/api-server.js';
import { eventually } from '../../support/eventually.js';

/** An open stream: its status and headers, and every byte received so far. */
interface Stream {
  response: IncomingMessage;
  text(): string;
  /** The `event:`/`data:` frames received so far, comments left out. */
  frames(): { event: string; data: Record<string, unknown> }[];
  close(): void;
}

function subscribe(url: string, path = '/events'): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${url}${path}`, { agent: false }, (response) => {
      let received = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (received += chunk));
      response.on('error', () => undefined);
      resolve({
        response,
        text: () => received,
        frames: () =>
          received
            .split('\n\n')
            .filter((block) => block.startsWith('event: '))
            .map((block) => {
              const [eventLine = '', dataLine = ''] = block.split('\n');
              return {
                event: eventLine.slice('event: '.length),
                data: JSON.parse(dataLine.slice('data: '.length)) as Record<string, unknown>,
              };
            }),
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}

const car = { plate: 'ABC 123', gate: 1, enteredAt: 1_700_000_000_000, visitId: 'v1' };

describe('GET /events', () => {
  let source: EventEmitter;
  let s: TestApiServer;

  beforeEach(async () => {
    source = new EventEmitter();
    s = await startTestApiServer({ events: source });
  });
  afterEach(() => s.close());

  it('streams each event as an SSE frame with its payload, local flag and timestamp', async () => {
    const stream = await subscribe(s.url);
    expect(stream.response.statusCode).toBe(200);
    expect(stream.response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(stream.response.headers['cache-control']).toBe('no-store');
    await eventually(() => source.listenerCount('car:entered') === 1);

    source.emit('car:entered', car, { local: true, decidedAt: 1234 });
    source.emit('gate:moved', { gate: 2, from: 'a', to: 'b' });
    source.emit('car:left', car, { local: false });
    const frames = await eventually(() => (stream.frames().length === 3 ? stream.frames() : undefined));

    expect(frames.map((f) => f.event)).toEqual(['car:entered', 'gate:moved', 'car:left']);
    expect(frames[0]?.data).toMatchObject({ car, local: true, decidedAt: 1234 });
    expect(frames[1]?.data).toMatchObject({ gate: 2, from: 'a', to: 'b' });
    expect(frames[2]?.data).toMatchObject({ car, local: false });
    expect(frames[2]?.data).not.toHaveProperty('decidedAt');
    for (const frame of frames) expect(typeof frame.data['at']).toBe('number');
    stream.close();
  });

  it('keeps only the names asked for in ?types=', async () => {
    const stream = await subscribe(s.url, '/events?types=member:down,gate:moved');
    await eventually(() => source.listenerCount('gate:moved') === 1);
    expect(source.listenerCount('car:entered')).toBe(0);

    source.emit('car:entered', car, { local: true });
    source.emit('member:down', { name: 'b', reason: 'failed' });
    source.emit('gate:moved', { gate: 1, from: 'b', to: 'a' });
    const frames = await eventually(() => (stream.frames().length === 2 ? stream.frames() : undefined));
    expect(frames.map((f) => f.event)).toEqual(['member:down', 'gate:moved']);
    stream.close();
  });

  it('refuses an unknown event name with 400 ERR_BAD_REQUEST and subscribes nothing', async () => {
    const res = await rawRequest(s.url, { path: '/events?types=car:entered,car:parked' });
    expect(res.status).toBe(400);
    expect((res.json as { error: { code: string } }).error.code).toBe('ERR_BAD_REQUEST');
    expect(source.eventNames()).toEqual([]);
  });

  it('drops every listener of a client once it goes away', async () => {
    const streams = await Promise.all([subscribe(s.url), subscribe(s.url)]);
    await eventually(() => source.listenerCount('car:left') === 2);
    streams[0]?.close();
    await eventually(() => source.listenerCount('car:left') === 1);
    source.emit('car:left', car, { local: true });
    await eventually(() => streams[1]?.frames().length === 1);
    streams[1]?.close();
    await eventually(() => source.eventNames().length === 0);
  });

  it('ends open streams when the server closes, and leaves no listener', async () => {
    const stream = await subscribe(s.url);
    await eventually(() => source.listenerCount('member:up') === 1);
    const ended = new Promise<void>((resolve) => stream.response.on('close', () => resolve()));
    await s.close();
    await ended;
    await eventually(() => source.eventNames().length === 0);
    s = await startTestApiServer({ events: source });
  });

  it('answers HEAD with the stream headers and no frame', async () => {
    const res = await rawRequest(s.url, { method: 'HEAD', path: '/events' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(res.text).toBe('');
    expect(source.eventNames()).toEqual([]);
  });
});
