/**
 * 3. Wire cost. The measured figures come from the other scenarios' runs (bytes counted in each
 * node's transport, envelope included, /metrics `parking_peer_bytes_sent_total{type}`): spaced writes
 * (latency runs: one message per write) and writes under load (3-node throughput runs, where one
 * event-loop turn's writes are merged into one message). Here: the sizes they stand next to, from the
 * same operation mix replayed in-process on a LotDocument (same plate pool, same exit ratio):
 * - the Yjs delta of one operation (what the replicator pushes before merging),
 * - the full state (Y.encodeStateAsUpdate) after the run, and
 * - the baseline of full-state gossip: shipping the whole encoded state to each peer on every write,
 *   i.e. the mean state size over the run (sampled every `sampleEvery` operations).
 */
import * as Y from 'yjs';
import { LotDocument } from '../../src/crdt/lot-document.js';
import { PlatePool } from '../../src/load/plate-pool.js';
import { seededRandom } from '../../src/random.js';
import { type BenchContext, round, sized } from '../lib/context.js';

export interface WireResult {
  replayedOps: number;
  deltaBytesPerOp: number;
  fullStateBytesAtEnd: number;
  fullStateGossipBytesPerOpPerPeer: number;
  /** From the latency runs (3 nodes) and throughput runs (3 nodes), copied for the table. */
  measured: Record<string, number>;
}

/** Replays `ops` operations of the load mix; returns the delta and full-state sizes. */
export function replay(ops: number, plates: number, sampleEvery: number): { delta: number; fullAtEnd: number; fullMean: number } {
  const lot = new LotDocument();
  const pool = new PlatePool({ plates, prefix: 'W ', exitRatio: 0.5, random: seededRandom(5) });
  let deltaBytes = 0;
  lot.doc.on('update', (u: Uint8Array) => (deltaBytes += u.byteLength));
  let fullSum = 0;
  let samples = 0;
  for (let k = 0; k < ops; k++) {
    const op = pool.next()!;
    if (op.op === 'entry')
      lot.enter({ plate: op.plate, gate: (k % 4) + 1, enteredAt: 1_763_900_000_000 + k, node: 'n1' }, `req-${k.toString(36)}`);
    else lot.leave(op.plate);
    pool.complete(op, { ok: true });
    if (k % sampleEvery === 0) {
      fullSum += Y.encodeStateAsUpdate(lot.doc).byteLength;
      samples++;
    }
  }
  const fullAtEnd = Y.encodeStateAsUpdate(lot.doc).byteLength;
  lot.destroy();
  return { delta: deltaBytes / ops, fullAtEnd, fullMean: fullSum / samples };
}

export async function wireScenario(ctx: BenchContext, results: Record<string, unknown>): Promise<WireResult> {
  const ops = sized(ctx, 50_000, 20_000, 2_000);
  const { delta, fullAtEnd, fullMean } = replay(ops, 4000, sized(ctx, 250, 100, 20));
  const measured: Record<string, number> = {};
  const latency = results.latency as { clusters?: Array<{ nodes: number; median: Record<string, number> }> } | undefined;
  const three = latency?.clusters?.find((c) => c.nodes === 3)?.median;
  if (three !== undefined) {
    measured.spacedSyncPerOpPerPeer = three.wireSyncPerOpPerPeer!;
    measured.spacedAllPerOpPerPeer = three.wireAllPerOpPerPeer!;
  }
  const tp = results.throughput as { http3One?: { median: Record<string, number> } } | undefined;
  if (tp?.http3One !== undefined) {
    measured.loadSyncPerOpPerPeer = tp.http3One.median.wireSyncPerOpPerPeer!;
    measured.loadAllPerOpPerPeer = tp.http3One.median.wireAllPerOpPerPeer!;
  }
  const result: WireResult = {
    replayedOps: ops,
    deltaBytesPerOp: round(delta, 1),
    fullStateBytesAtEnd: fullAtEnd,
    // + 2 bytes of envelope and ~4 of sync header per message, as the delta path pays.
    fullStateGossipBytesPerOpPerPeer: round(fullMean + 6, 0),
    measured,
  };
  ctx.log(
    `wire: delta ${result.deltaBytesPerOp} B/op, full state ${fullAtEnd} B at the end, full-state gossip ${result.fullStateGossipBytesPerOpPerPeer} B/op/peer`,
  );
  return result;
}
