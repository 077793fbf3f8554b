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
 * The agent exits when stdin closes.
 */
import { appendFileSync } from 'node:fs';
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
