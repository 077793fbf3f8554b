/**
 * 1. Replication latency. N nodes (3 and 5) in a full mesh; one entry at a time (the next one is sent
 * after the previous one was acknowledged and a short pause), round-robin over the nodes and gates.
 * For each entry: t0 = the `at` of the `car:entered` event with `local: true` (the gate worker's
 * replica committed it), t_i = the `at` of the same car's event on every other node; the latency of
 * the entry is max_i(t_i) - t0 (visible everywhere), and each t_i - t0 is a per-replica sample.
 * The same runs give the wire cost of unmerged writes (every write its own message) and, for 3 nodes,
 * the cost of an idle link.
 */
import { percentile } from '../../src/load/percentiles.js';
import { startCluster, stopAll, waitFor, type BenchNode } from '../lib/cluster.js';
import { type BenchContext, medians, round, sized, sleep, wall } from '../lib/context.js';
import { addBytes, diffBytes, peerBytes, sum } from '../lib/metrics.js';
import { subscribe } from '../lib/sse.js';

interface Seen {
  origin?: number;
  others: number[];
}

export interface LatencyRun extends Record<string, number> {
  entries: number;
  allP50: number;
  allP99: number;
  allMax: number;
  replicaP50: number;
  replicaP99: number;
  ackP50: number;
  ackP99: number;
  /** Entries already on every replica when the client got the acknowledgement, % */
  visibleAtAckPct: number;
  /** Bytes on peer links per entry per peer, SYNC + SYNC_ACK only, and all types. */
  wireSyncPerOpPerPeer: number;
  wireAllPerOpPerPeer: number;
}

async function bytesOf(nodes: BenchNode[]): Promise<Record<string, number>> {
  return addBytes(await Promise.all(nodes.map(async (n) => (await peerBytes(n.client)).sent)));
}

async function oneRun(
  ctx: BenchContext,
  n: number,
  repeat: number,
  entries: number,
  idleMs: number,
): Promise<{ run: LatencyRun; idleBytesPerLinkPerSec?: number }> {
  const nodes = await startCluster(n, { prefix: `l${n}r${repeat}n` });
  const seen = new Map<string, Seen>();
  const subs = nodes.map((node) =>
    subscribe(
      node.url,
      (ev) => {
        const car = ev.data.car as { plate: string };
        let s = seen.get(car.plate);
        if (s === undefined) seen.set(car.plate, (s = { others: [] }));
        if (ev.data.local === true) s.origin = ev.data.at;
        else s.others.push(ev.data.at);
      },
      ['car:entered'],
    ),
  );
  try {
    await Promise.all(subs.map((s) => s.ready));
    const gates = 4;
    const acks: number[] = [];
    const ackedAt = new Map<string, number>();
    const before = await bytesOf(nodes);
    for (let k = 0; k < entries; k++) {
      const plate = `L${n}R${repeat} ${k}`;
      const node = nodes[k % n]!;
      const t0 = performance.now();
      await node.client.trackEntry(plate, (k % gates) + 1);
      acks.push(performance.now() - t0);
      ackedAt.set(plate, wall());
      await sleep(1);
    }
    await waitFor(
      () =>
        [...ackedAt.keys()].every((p) => {
          const s = seen.get(p);
          return s?.origin !== undefined && s.others.length === n - 1;
        }),
      10_000,
      'every entry seen on every node',
    );
    const after = await bytesOf(nodes);
    const sent = diffBytes(after, before);
    const all: number[] = [];
    const replica: number[] = [];
    let visibleAtAck = 0;
    for (const [plate, acked] of ackedAt) {
      const s = seen.get(plate)!;
      const last = Math.max(...s.others);
      all.push(last - s.origin!);
      for (const t of s.others) replica.push(t - s.origin!);
      if (last <= acked) visibleAtAck++;
    }
    all.sort((a, b) => a - b);
    replica.sort((a, b) => a - b);
    acks.sort((a, b) => a - b);
    const peersPerOp = entries * (n - 1);
    const syncBytes = (sent.SYNC ?? 0) + (sent.SYNC_ACK ?? 0);
    const run: LatencyRun = {
      entries,
      allP50: round(percentile(all, 50)),
      allP99: round(percentile(all, 99)),
      allMax: round(all[all.length - 1]!),
      replicaP50: round(percentile(replica, 50)),
      replicaP99: round(percentile(replica, 99)),
      ackP50: round(percentile(acks, 50)),
      ackP99: round(percentile(acks, 99)),
      visibleAtAckPct: round((100 * visibleAtAck) / entries, 1),
      wireSyncPerOpPerPeer: round(syncBytes / peersPerOp, 1),
      wireAllPerOpPerPeer: round(sum(sent) / peersPerOp, 1),
    };
    let idleBytesPerLinkPerSec: number | undefined;
    if (idleMs > 0) {
      const idleBefore = await bytesOf(nodes);
      const t = performance.now();
      await sleep(idleMs);
      const idleAfter = await bytesOf(nodes);
      const links = (n * (n - 1)) / 2;
      idleBytesPerLinkPerSec = round(sum(diffBytes(idleAfter, idleBefore)) / links / ((performance.now() - t) / 1000), 1);
    }
    ctx.log(
      `latency n=${n} #${repeat}: all p50 ${run.allP50} p99 ${run.allP99} max ${run.allMax} ms; ack p50 ${run.ackP50}; ${run.wireAllPerOpPerPeer} B/op/peer`,
    );
    return idleBytesPerLinkPerSec === undefined ? { run } : { run, idleBytesPerLinkPerSec };
  } finally {
    for (const s of subs) s.close();
    await stopAll(nodes);
  }
}

export interface LatencyResult {
  clusters: Array<{ nodes: number; median: LatencyRun; runs: LatencyRun[] }>;
  idleBytesPerLinkPerSec: number;
  idleWindowMs: number;
}

export async function latencyScenario(ctx: BenchContext): Promise<LatencyResult> {
  const entries = sized(ctx, 1000, 300, 60);
  const idleMs = sized(ctx, 6000, 2000, 600);
  const clusters: LatencyResult['clusters'] = [];
  let idle = Number.NaN;
  for (const n of [3, 5]) {
    const runs: LatencyRun[] = [];
    for (let r = 1; r <= ctx.repeats; r++) {
      const { run, idleBytesPerLinkPerSec } = await oneRun(ctx, n, r, entries, n === 3 && r === 1 ? idleMs : 0);
      runs.push(run);
      if (idleBytesPerLinkPerSec !== undefined) idle = idleBytesPerLinkPerSec;
    }
    clusters.push({ nodes: n, median: medians(runs), runs });
  }
  return { clusters, idleBytesPerLinkPerSec: idle, idleWindowMs: idleMs };
}
