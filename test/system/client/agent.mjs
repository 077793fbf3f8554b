// @ts-check
/**
 * The lab's query agent. Runs inside a lab host; the test talks to it over stdin/stdout (JSON lines),
 * so the test process itself never opens a socket to a lab address.
 *
 * Commands (one JSON object a line, answered by one line with the same `id`):
 * - `{id, cmd: "get", urls, path, timeoutMs}` -> `{id, results: [{url, status?, body?, error?}]}`
 * - `{id, cmd: "monitor", urls, intervalMs, file}`: from now on, every intervalMs, GET /status of
 *   every url and append one line `{t, nodes: [{url, name?, gatesOwned?, occupied?, ready?, error?}]}`
 *   to `file`; a new `monitor` command replaces the targets. -> `{id, ok: true}`
 * - `{id, cmd: "unmonitor"}` -> `{id, ok: true}`
 * - `{id, cmd: "record", urls, file}`: from now on, keep a `GET /events` stream open to every url
 *   (reconnecting while it is a target: a node not started yet, restarted, or cut) and append one
 *   line per event to `file`: `{url, type, data, rx}` (`data` as the node sent it, with its `at`;
 *   `rx` the agent's receive time). Each stream adds `{url, type: "stream:open", rx}` when it is
 *   established, then `{url, type: "snapshot", status?, cluster?, rx}` (the node's /status and
 *   /cluster right after subscribing, so the checker knows what ran before the first event), and
 *   `{url, type: "stream:closed", rx}` when it ends. A new `record` replaces the targets (a url no
 *   longer listed is closed). -> `{id, ok: true}`
 * - `{id, cmd: "unrecord"}`: closes every stream. -> `{id, ok: true}`
 * The agent exits when stdin closes.
 */
import { appendFileSync } from 'node:fs';
import http from 'node:http';
import { createInterface } from 'node:readline';
import { request, now } from './http.mjs';

/** @type {{urls: string[], intervalMs: number, file: string} | undefined} */
let monitor;
let monitorRunning = false;

/** @param {unknown} obj */
function reply(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

/** @param {string[]} urls @param {string} path @param {number} timeoutMs */
async function getAll(urls, path, timeoutMs) {
  return Promise.all(
    urls.map(async (url) => {
      const r = await request(url + path, 'GET', undefined, { timeoutMs });
      return { url, status: r.status, body: r.body, error: r.error };
    }),
  );
}

// One round at a time: a slow round (a frozen node, a cut host) delays the next instead of piling up.
async function monitorLoop() {
  if (monitorRunning) return;
  monitorRunning = true;
  while (monitor !== undefined) {
    const m = monitor;
    const started = now();
    const results = await getAll(m.urls, '/status', Math.max(300, m.intervalMs * 2));
    const nodes = results.map((r) =>
      r.status === 200 && r.body
        ? {
            url: r.url,
            name: r.body.name,
            gatesOwned: r.body.gatesOwned,
            occupied: r.body.occupied,
            spaces: r.body.spaces,
            ready: r.body.ready,
            membersAlive: r.body.membersAlive,
          }
        : { url: r.url, error: r.error ?? `HTTP ${r.status}` },
    );
    appendFileSync(m.file, JSON.stringify({ t: started, nodes }) + '\n');
    const wait = m.intervalMs - (now() - started);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  monitorRunning = false;
}

/** @type {{file: string, streams: Map<string, {stop: () => void}>} | undefined} */
let recorder;

/** @param {string} file @param {Record<string, unknown>} rec */
function record(file, rec) {
  appendFileSync(file, JSON.stringify(rec) + '\n');
}

/**
 * Keeps one url's event stream open until stopped: connect, record, and on any end reconnect after
 * a short pause (bounded: only while the url is a target; `unrecord` stops every loop).
 * @param {string} url @param {string} file
 */
function follow(url, file) {
  let stopped = false;
  /** @type {import('node:http').ClientRequest | undefined} */
  let req;
  const loop = async () => {
    while (!stopped) {
      await new Promise((resolve) => {
        req = http.get(`${url}/events`, { agent: false, timeout: 1000 }, (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            res.on('end', resolve);
            return;
          }
          req?.setTimeout(0);
          record(file, { url, type: 'stream:open', rx: now() });
          void Promise.all([
            request(`${url}/status`, 'GET', undefined, { timeoutMs: 2000 }),
            request(`${url}/cluster`, 'GET', undefined, { timeoutMs: 2000 }),
          ]).then(([status, cluster]) => {
            if (stopped) return;
            record(file, {
              url,
              type: 'snapshot',
              status: status.status === 200 ? status.body : undefined,
              cluster: cluster.status === 200 ? cluster.body : undefined,
              rx: now(),
            });
          });
          res.setEncoding('utf8');
          let buffer = '';
          res.on('data', (chunk) => {
            buffer += chunk;
            let end;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              const block = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              let type;
              let data;
              for (const line of block.split('\n')) {
                if (line.startsWith('event: ')) type = line.slice(7);
                else if (line.startsWith('data: ')) data = line.slice(6);
              }
              if (type === undefined || data === undefined) continue;
              try {
                record(file, { url, type, data: JSON.parse(data), rx: now() });
              } catch {
                record(file, { url, type: 'stream:garbled', rx: now() });
              }
            }
          });
          res.on('close', () => {
            record(file, { url, type: 'stream:closed', rx: now() });
            resolve(undefined);
          });
        });
        // Not connected within the timeout (a host not up yet, or cut): try again.
        req.on('timeout', () => req?.destroy());
        req.on('error', () => resolve(undefined));
      });
      if (!stopped) await new Promise((r) => setTimeout(r, 25));
    }
  };
  void loop();
  return {
    stop() {
      stopped = true;
      req?.destroy();
    },
  };
}

/** @param {string[]} urls @param {string} file */
function setRecorder(urls, file) {
  if (recorder !== undefined && recorder.file !== file) stopRecorder();
  recorder ??= { file, streams: new Map() };
  const r = recorder;
  for (const [url, stream] of r.streams)
    if (!urls.includes(url)) {
      stream.stop();
      r.streams.delete(url);
    }
  for (const url of urls) if (!r.streams.has(url)) r.streams.set(url, follow(url, file));
}

function stopRecorder() {
  if (recorder === undefined) return;
  for (const stream of recorder.streams.values()) stream.stop();
  recorder = undefined;
}

const rl = createInterface({ input: process.stdin });
rl.on('line', async (line) => {
  /** @type {any} */
  let msg;
  try {
    msg = JSON.parse(line);
  } catch {
    return reply({ error: 'bad json' });
  }
  try {
    if (msg.cmd === 'get') return reply({ id: msg.id, results: await getAll(msg.urls, msg.path, msg.timeoutMs ?? 2000) });
    if (msg.cmd === 'monitor') {
      monitor = { urls: msg.urls, intervalMs: msg.intervalMs ?? 250, file: msg.file };
      void monitorLoop();
      return reply({ id: msg.id, ok: true });
    }
    if (msg.cmd === 'record') {
      setRecorder(msg.urls, msg.file);
      return reply({ id: msg.id, ok: true });
    }
    if (msg.cmd === 'unrecord') {
      stopRecorder();
      return reply({ id: msg.id, ok: true });
    }
    if (msg.cmd === 'unmonitor') {
      monitor = undefined;
      return reply({ id: msg.id, ok: true });
    }
    reply({ id: msg.id, error: `unknown command ${msg.cmd}` });
  } catch (err) {
    reply({ id: msg.id, error: String(err) });
  }
});
rl.on('close', () => process.exit(0));
reply({ ready: true });
