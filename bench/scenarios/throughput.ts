/**
 * 2. Throughput. Closed-loop load (src/load, `concurrency` workers, entries and exits half and half
 * over a pool of plates) for a fixed time:
 * - `http-1`: HTTP against a lone node (the target: 10,000 acknowledged operations per second);
 * - `http-3-one`: a 3-node cluster, every request to one node (commands for gates run elsewhere are
 *   forwarded, and every write waits for both peers' acks);
 * - `http-3-spread`: the same cluster, requests round-robin over the three nodes;
 * - `in-process`: the Node object called directly (no HTTP), a lone node in the bench's own process.
 * For clusters: the time from the last acknowledgement until the last replica applied its last change
 * (from the nodes' change events; negative means every replica had it before the client got the
 * answer), checked by comparing every replica's cars, and the bytes on peer links per operation.
 * CPU: user+system seconds of the node processes (/proc/<pid>/stat) per 1,000 acknowledged
 * operations; for in-process, of the whole bench process (generator included).
 */
import { loadConfig } from '../../src/config/index.js';
import { runLoad, type LoadSummary, type LoadTarget } from '../../src/load/index.js';
import { silentLogger } from '../../src/log.js';
import { createNode } from '../../src/node.js';
import { systemClock } from '../../src/clock.js';
import { seededRandom } from '../../src/random.js';
import { cpuSeconds, startCluster, startNode, stopAll, waitFor, type BenchNode } from '../lib/cluster.js';
import { type BenchContext, medians, round, sized, wall } from '../lib/context.js';
import { addBytes, diffBytes, peerBytes, sum } from '../lib/metrics.js';
import { subscribe } from '../lib/sse.js';

export interface ThroughputRun extends Record<string, number> {
  opsPerSec: number;
  ok: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  refusals: number;
  cpuSecPer1kOps: number;
}

export interface ClusterRun extends ThroughputRun {
  /** ms from the last acknowledgement to the last change applied on the last replica. */
  convergeMs: number;
  /** 1 when every replica ended with the same cars. */
  converged: number;
  wireSyncPerOpPerPeer: number;
  wireAllPerOpPerPeer: number;
}

function figures(summary: LoadSummary, cpu: number): ThroughputRun {
  return {
    opsPerSec: round(summary.opsPerSec, 0),
    ok: summary.ok,
    p50: round(summary.okLatency.p50),
    p99: round(summary.okLatency.p99),
    max: round(summary.okLatency.max),
    errors: Object.values(summary.errors).reduce((a, b) => a + b, 0),
    refusals: Object.values(summary.refusals).reduce((a, b) => a + b, 0),
    cpuSecPer1kOps: round((cpu / Math.max(1, summary.ok)) * 1000, 4),
  };
}

function load(ctx: BenchContext, targets: LoadTarget[], durationMs: number, seed: number, prefix: string): Promise<LoadSummary> {
  return runLoad({
    targets,
    gates: 4,
    mode: { kind: 'concurrency', concurrency: sized(ctx, 64, 64, 16) },
    durationMs,
    plates: 4000,
    prefix,
    exitRatio: 0.5,
    clock: systemClock,
    random: seededRandom(seed),
    progressIntervalMs: 60_000,
  });
}

async function loneHttp(ctx: BenchContext, repeat: number, durationMs: number): Promise<ThroughputRun> {
  const [node] = [await startNode({ name: `t1r${repeat}` })];
  try {
    // Warm-up: JIT and sockets, not measured.
    await load(ctx, [node.client], Math.min(1000, durationMs / 2), 1000 + repeat, `TW${repeat} `);
    const cpu0 = cpuSeconds(node.pid);
    const summary = await load(ctx, [node.client], durationMs, repeat, `T1R${repeat} `);
    const run = figures(summary, cpuSeconds(node.pid) - cpu0);
    ctx.log(
      `throughput http lone node #${repeat}: ${run.opsPerSec} ops/s, p50 ${run.p50} p99 ${run.p99} ms, ${run.cpuSecPer1kOps} CPU s/1k ops`,
    );
    return run;
  } finally {
    await stopAll([node]);
  }
}

async function clusterHttp(ctx: BenchContext, repeat: number, durationMs: number, spread: boolean): Promise<ClusterRun> {
  const nodes = await startCluster(3, { prefix: `t3${spread ? 's' : 'o'}r${repeat}n` });
  const lastEvent = new Map<BenchNode, number>();
  const subs = nodes.map((n) => subscribe(n.url, (ev) => lastEvent.set(n, ev.data.at), ['car:entered', 'car:left']));
  try {
    await Promise.all(subs.map((s) => s.ready));
    const targets = spread ? nodes.map((n) => n.client) : [nodes[0]!.client];
    await load(ctx, targets, Math.min(1000, durationMs / 2), 2000 + repeat, `TW${repeat} `);
    const cpu0 = nodes.map((n) => cpuSeconds(n.pid));
    const bytes0 = addBytes(await Promise.all(nodes.map(async (n) => (await peerBytes(n.client)).sent)));
    const summary = await load(ctx, targets, durationMs, 10 + repeat, `T3R${repeat} `);
    const lastAck = wall();
    // Converged: every replica ends with the same cars (bounded wait).
    let converged = 0;
    await waitFor(
      async () => {
        const lots = await Promise.all(nodes.map(async (n) => JSON.stringify((await n.client.read()).cars)));
        return lots.every((l) => l === lots[0]);
      },
      10_000,
      'replicas to agree',
      5,
    ).then(
      () => (converged = 1),
      () => (converged = 0),
    );
    const convergeMs = Math.max(...nodes.map((n) => lastEvent.get(n) ?? Number.NaN)) - lastAck;
    const cpu = nodes.reduce((acc, n, i) => acc + cpuSeconds(n.pid) - cpu0[i]!, 0);
    const sent = diffBytes(addBytes(await Promise.all(nodes.map(async (n) => (await peerBytes(n.client)).sent))), bytes0);
    const perPeer = Math.max(1, summary.ok) * 2;
    const run: ClusterRun = {
      ...figures(summary, cpu),
      convergeMs: round(convergeMs),
      converged,
      wireSyncPerOpPerPeer: round(((sent.SYNC ?? 0) + (sent.SYNC_ACK ?? 0)) / perPeer, 1),
      wireAllPerOpPerPeer: round(sum(sent) / perPeer, 1),
    };
    ctx.log(
      `throughput http 3 nodes ${spread ? 'spread' : 'one node'} #${repeat}: ${run.opsPerSec} ops/s, p99 ${run.p99} ms, converge ${run.convergeMs} ms, ${run.wireAllPerOpPerPeer} B/op/peer`,
    );
    return run;
  } finally {
    for (const s of subs) s.close();
    await stopAll(nodes);
  }
}

async function inProcess(ctx: BenchContext, repeat: number, durationMs: number): Promise<ThroughputRun> {
  const config = loadConfig({
    env: {},
    flags: { port: 0, host: '127.0.0.1', discovery: 'none', spaces: 1_000_000, logLevel: 'silent', name: `tip${repeat}` },
  });
  const node = await createNode(config, { logger: silentLogger() });
  await node.start();
  try {
    await load(ctx, [node], Math.min(1000, durationMs / 2), 3000 + repeat, `TW${repeat} `);
    const cpu0 = process.cpuUsage();
    const summary = await load(ctx, [node], durationMs, 20 + repeat, `TIP${repeat} `);
    const used = process.cpuUsage(cpu0);
    const run = figures(summary, (used.user + used.system) / 1e6);
    ctx.log(`throughput in-process #${repeat}: ${run.opsPerSec} ops/s, p99 ${run.p99} ms`);
    return run;
  } finally {
    await node.stop();
  }
}

export interface ThroughputResult {
  durationMs: number;
  concurrency: number;
  httpLone: { median: ThroughputRun; runs: ThroughputRun[] };
  http3One: { median: ClusterRun; runs: ClusterRun[] };
  http3Spread: { median: ClusterRun; runs: ClusterRun[] };
  inProcess: { median: ThroughputRun; runs: ThroughputRun[] };
}

export async function throughputScenario(ctx: BenchContext): Promise<ThroughputResult> {
  const durationMs = sized(ctx, 5000, 2500, 800);
  const lone: ThroughputRun[] = [];
  const one: ClusterRun[] = [];
  const spread: ClusterRun[] = [];
  const ip: ThroughputRun[] = [];
  for (let r = 1; r <= ctx.repeats; r++) lone.push(await loneHttp(ctx, r, durationMs));
  for (let r = 1; r <= ctx.repeats; r++) one.push(await clusterHttp(ctx, r, durationMs, false));
  for (let r = 1; r <= ctx.repeats; r++) spread.push(await clusterHttp(ctx, r, durationMs, true));
  for (let r = 1; r <= ctx.repeats; r++) ip.push(await inProcess(ctx, r, durationMs));
  return {
    durationMs,
    concurrency: sized(ctx, 64, 64, 16),
    httpLone: { median: medians(lone), runs: lone },
    http3One: { median: medians(one), runs: one },
    http3Spread: { median: medians(spread), runs: spread },
    inProcess: { median: medians(ip), runs: ip },
  };
}
