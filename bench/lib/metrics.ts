/**
 * Reads what the benchmarks need from a node's /metrics (Prometheus text): bytes sent and received on
 * peer links by message type (counted in the transport, envelope included), and process CPU.
 */
import type { ApiClient } from '../../src/api/client.js';

/** Message type numbers (src/transport/envelope.ts) to names, for the tables. */
export const TYPE_NAMES: Record<string, string> = {
  '16': 'SYNC',
  '17': 'SYNC_ACK',
  '32': 'PING',
  '33': 'PONG',
  '34': 'LEAVE',
  '48': 'COMMAND',
  '49': 'RESULT',
  '64': 'GOSSIP',
};

export interface PeerBytes {
  sent: Record<string, number>;
  received: Record<string, number>;
}

/** Parses `name{type="16"} 123` lines of the two peer byte counters. */
export function parsePeerBytes(text: string): PeerBytes {
  const result: PeerBytes = { sent: {}, received: {} };
  const re = /^parking_peer_bytes_(sent|received)_total\{type="(\d+)"\} (\d+(?:\.\d+)?(?:e[+-]?\d+)?)$/gm;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const name = TYPE_NAMES[m[2]!] ?? m[2]!;
    result[m[1] as 'sent' | 'received'][name] = Number(m[3]);
  }
  return result;
}

/** The value of an unlabelled metric, e.g. process_cpu_seconds_total; NaN when absent. */
export function metricValue(text: string, name: string): number {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m === null ? Number.NaN : Number(m[1]);
}

export async function peerBytes(client: ApiClient): Promise<PeerBytes> {
  return parsePeerBytes(await client.metricsText());
}

/** after - before, per type. */
export function diffBytes(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) out[k] = v - (before[k] ?? 0);
  return out;
}

export function sum(record: Record<string, number>): number {
  return Object.values(record).reduce((a, b) => a + b, 0);
}

/** Sums several per-type records. */
export function addBytes(records: Array<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) for (const [k, v] of Object.entries(r)) out[k] = (out[k] ?? 0) + v;
  return out;
}
