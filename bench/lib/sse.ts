/**
 * A subscriber to a node's `GET /events` stream (src/api/events.ts): parses the SSE frames and hands
 * each event to a callback with the time it arrived here. The benchmarks use the node's own `at`
 * stamp, not the arrival time, so the stream's delivery delay does not count as replication latency.
 */
import http from 'node:http';

export interface StreamEvent {
  type: string;
  data: Record<string, unknown> & { at: number };
}

export interface Subscription {
  /** Resolves once the node has accepted the subscription (its first comment arrived). */
  ready: Promise<void>;
  close(): void;
}

/** Subscribes to `url`/events (optionally only `types`); `onEvent` runs for every event. */
export function subscribe(url: string, onEvent: (event: StreamEvent) => void, types?: string[]): Subscription {
  const query = types === undefined ? '' : `?types=${encodeURIComponent(types.join(','))}`;
  let markReady: () => void = () => undefined;
  let fail: (err: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    fail = reject;
  });
  const req = http.get(`${url}/events${query}`, { headers: { accept: 'text/event-stream' } }, (res) => {
    if (res.statusCode !== 200) {
      fail(new Error(`GET /events answered ${res.statusCode}`));
      res.resume();
      return;
    }
    res.setEncoding('utf8');
    let buffer = '';
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let type = 'message';
        let data = '';
        for (const line of frame.split('\n')) {
          if (line.startsWith(':')) markReady();
          else if (line.startsWith('event: ')) type = line.slice(7);
          else if (line.startsWith('data: ')) data += line.slice(6);
        }
        if (data !== '') onEvent({ type, data: JSON.parse(data) as StreamEvent['data'] });
      }
    });
    res.on('error', () => undefined);
  });
  req.on('error', (err) => fail(err));
  ready.catch(() => undefined);
  return { ready, close: () => req.destroy() };
}
