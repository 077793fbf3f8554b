// @ts-check
/**
 * The workload: `node load.mjs <config.json>` inside a lab host. `workers` sequential clients (like
 * Jepsen's processes) send entries and exits for a pool of plates to random nodes, at most `rate`
 * operations per second per worker, for `durationMs`. Every operation is written to `historyFile` as
 * one JSON line when it completes (see checker/history.ts for the fields).
 *
 * Retries, the way a careful client retries: a refused connection or a 503 is retried on another
 * node with the same Idempotency-Key until `opDeadlineMs`. Once an attempt may have reached a node
 * (a timeout, a reset, a 503), the operation's effect is indeterminate: a later 409 may be the echo
 * of our own first attempt, so it is recorded as `info` (unknown), not as a refusal.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { request, prng, now } from './http.mjs';

const config = JSON.parse(readFileSync(/** @type {string} */ (process.argv[2]), 'utf8'));
/** @type {{urls: string[], urlsFile?: string, plates: string[], gates: number, workers: number, rate: number, durationMs: number, seed: number, historyFile: string, client: string, requestTimeoutMs: number, opDeadlineMs: number}} */
const c = config;
const random = prng(c.seed);
/** Last known state per plate, shared by the workers: steers towards commands that make sense. */
const believedInside = new Map();
const end = now() + c.durationMs;
let seq = 0;
// SIGTERM ends the run early but cleanly: no new operation starts, the running ones complete.
let stopping = false;
process.on('SIGTERM', () => (stopping = true));

// Targets may change during a run (a node added, a pod removed): re-read when a file is given.
function targets() {
  if (c.urlsFile === undefined) return c.urls;
  try {
    const urls = JSON.parse(readFileSync(c.urlsFile, 'utf8'));
    return Array.isArray(urls) && urls.length > 0 ? urls : c.urls;
  } catch {
    return c.urls;
  }
}

/** @param {string[]} list */
function pick(list) {
  return list[Math.floor(random() * list.length)];
}

/**
 * Nodes that gave no answer lately, until when: avoided like a client with a short-lived blacklist,
 * so a dead node costs one connect timeout per few seconds, and a frozen one (the kernel still
 * accepts its connections) one request timeout per request timeout, instead of one per operation
 * sent to it. When every node is avoided, all are tried.
 */
const avoid = new Map();
const AVOID_MS = 2000;

/** @param {string[]} list */
function pickNode(list) {
  const t = now();
  const usable = list.filter((u) => (avoid.get(u) ?? 0) <= t);
  return /** @type {string} */ (pick(usable.length > 0 ? usable : list));
}

/** @param {number} worker */
async function operation(worker) {
  const plate = /** @type {string} */ (pick(c.plates));
  const inside = believedInside.get(plate) === true;
  // Mostly the sensible command, sometimes the other one, so refusals are exercised too.
  const op = random() < 0.85 ? (inside ? 'exit' : 'entry') : inside ? 'entry' : 'exit';
  const gate = 1 + Math.floor(random() * c.gates);
  const id = `${c.client}-${worker}-${++seq}`;
  const invoke = now();
  const deadline = invoke + c.opDeadlineMs;
  let indeterminate = false;
  let attempts = 0;
  /** @type {any} */
  let last;
  let node;
  /** Each attempt's node and outcome, for the evidence of a failure report. */
  const tries = [];
  for (;;) {
    attempts++;
    const list = targets();
    node = pickNode(list);
    const r = await request(
      `${node}/${op === 'entry' ? 'entries' : 'exits'}`,
      'POST',
      { plate, gate },
      { timeoutMs: c.requestTimeoutMs, headers: { 'idempotency-key': id } },
    );
    last = r;
    const code = r.body?.error?.code;
    tries.push(`${node.replace('http://', '')} ${r.status ?? ''} ${code ?? r.error ?? ''}`.trim());
    if (r.status === 200 || r.status === 201) break;
    if (r.status !== undefined && r.status >= 400 && r.status < 500) break;
    if (r.sent) indeterminate = true;
    if (r.status === undefined) avoid.set(node, now() + (r.error === 'TIMEOUT' ? c.requestTimeoutMs : AVOID_MS));
    if (now() + 200 >= deadline) break;
    // Brief pause before the retry on another node; bounded by the operation's deadline.
    await new Promise((res) => setTimeout(res, code === 'ERR_GATE_UNAVAILABLE' ? 100 : 50));
  }
  const complete = now();
  const code = last.body?.error?.code ?? last.error;
  /** @type {'ok'|'fail'|'info'} */
  let type;
  if (last.status === 200 || last.status === 201) type = 'ok';
  else if (last.status !== undefined && last.status >= 400 && last.status < 500 && !indeterminate) type = 'fail';
  else type = 'info';
  if (type === 'ok') believedInside.set(plate, op === 'entry');
  if (type === 'fail' && code === 'ERR_ALREADY_INSIDE') believedInside.set(plate, true);
  if (type === 'fail' && code === 'ERR_NOT_INSIDE') believedInside.set(plate, false);
  /** @type {Record<string, unknown>} */
  const rec = { id, client: c.client, worker, op, plate, gate, node, invoke, complete, type, attempts };
  if (attempts > 1) rec.tries = tries;
  if (type !== 'ok') rec.code = code ?? `HTTP ${last.status}`;
  if (last.status !== undefined) rec.status = last.status;
  if (type === 'ok') rec.car = op === 'entry' ? last.body : last.body?.car;
  appendFileSync(c.historyFile, JSON.stringify(rec) + '\n');
}

/** @param {number} worker */
async function run(worker) {
  const period = 1000 / c.rate;
  while (now() < end && !stopping) {
    const started = now();
    await operation(worker);
    const wait = period * (0.5 + random()) - (now() - started);
    if (wait > 0 && !stopping) await new Promise((res) => setTimeout(res, wait));
  }
}

await Promise.all(Array.from({ length: c.workers }, (_, i) => run(i)));
process.stdout.write(`load ${c.client} done: ${seq} operations\n`);
