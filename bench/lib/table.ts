/**
 * The markdown table of docs/performance.md, from a results report: each figure with its target and
 * the Elixir stack's anchor beside it (delta_crdt_ex 0.6.4 on this machine, November 2026; docs/performance.md).
 */
import type { CatchUpResult } from '../scenarios/catch-up.js';
import type { FailoverResult } from '../scenarios/failover.js';
import type { GrowthResult } from '../scenarios/growth.js';
import type { LatencyResult } from '../scenarios/latency.js';
import type { ThroughputResult, ThroughputRun } from '../scenarios/throughput.js';
import type { WireResult } from '../scenarios/wire.js';

/** A results report of bench/run.ts, as far as the table reads it. */
export interface BenchReport {
  preset: string;
  repeats: number;
  totalSeconds: number;
  /** The machine (run.ts `machine()`): read as {@link Machine}. */
  machine?: Record<string, unknown>;
  /** Each scenario's result under its name: read as {@link ScenarioResults}; one left out by --only is absent. */
  results?: Record<string, unknown>;
}

/** What each scenario returns, under the name run.ts files it by. */
interface ScenarioResults {
  latency: LatencyResult;
  throughput: ThroughputResult;
  wire: WireResult;
  failover: FailoverResult;
  catchup: CatchUpResult;
  growth: GrowthResult;
}

interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
}

function n(value: unknown, digits = 1): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '-';
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

function mb(bytes: unknown): string {
  return typeof bytes === 'number' ? `${n(bytes / 1e6, 1)} MB` : '-';
}

function verdict(ok: boolean | undefined): string {
  return ok === undefined ? '' : ok ? ' ✅' : ' ❌';
}

/** `value < limit`; a figure that is missing (its scenario not run) is not below anything. */
function below(value: number | undefined, limit: number): boolean {
  return value !== undefined && value < limit;
}

/** The markdown table, then one line saying the preset, the repeats and the machine. */
export function renderTable(report: BenchReport): string {
  const r = (report.results ?? {}) as Partial<ScenarioResults>;
  const rows: string[][] = [];
  const add = (what: string, figure: string, target = '', anchor = ''): void => void rows.push([what, figure, target, anchor]);

  for (const c of r.latency?.clusters ?? []) {
    const m = c.median;
    add(
      `replication latency, ${c.nodes} nodes, ${n(m.entries, 0)} spaced entries: commit on the gate's node -> visible on every other node`,
      `p50 ${n(m.allP50, 2)} ms, p99 ${n(m.allP99, 2)} ms, max ${n(m.allMax, 2)} ms`,
      c.nodes === 3 ? `p99 < 10 ms${verdict(m.allP99 < 10)}` : '',
      c.nodes === 3 ? 'p50 156 ms, p99 301 ms (300 ms sync); p50 6.4, p99 13.6 ms (10 ms sync)' : '',
    );
    add(
      `  client's ack latency (${c.nodes} nodes); entries already on every replica at the ack`,
      `p50 ${n(m.ackP50, 2)} ms, p99 ${n(m.ackP99, 2)} ms; ${n(m.visibleAtAckPct, 1)} %`,
    );
  }
  const t = r.throughput;
  if (t !== undefined) {
    const row = (label: string, m: ThroughputRun, target = '', anchor = ''): void =>
      add(
        `${label} (${t.concurrency} in flight)`,
        `${n(m.opsPerSec, 0)} ops/s, p50 ${n(m.p50, 2)} ms, p99 ${n(m.p99, 2)} ms, ${n(m.cpuSecPer1kOps, 3)} CPU s / 1k ops, errors ${n(m.errors, 0)}`,
        target,
        anchor,
      );
    row(
      'throughput, HTTP, lone node',
      t.httpLone.median,
      `>= 10,000 ops/s${verdict(t.httpLone.median.opsPerSec >= 10_000)}`,
      '2,000-3,100 writes/s sustained on one node',
    );
    row('throughput, HTTP, 3 nodes, all requests to one', t.http3One.median);
    row('throughput, HTTP, 3 nodes, spread over all', t.http3Spread.median);
    row('throughput, in-process Node API, lone node', t.inProcess.median);
    add(
      '  convergence after the load stops (3 nodes: one / spread)',
      `${n(t.http3One.median.convergeMs, 2)} ms / ${n(t.http3Spread.median.convergeMs, 2)} ms (replicas equal: ${t.http3One.median.converged === 1 && t.http3Spread.median.converged === 1 ? 'yes' : 'NO'})`,
      '',
      'converged 35-52 s after the first write (100k keys)',
    );
  }
  const w = r.wire;
  if (w !== undefined) {
    const m = w.measured ?? {};
    add(
      'wire, spaced writes (3 nodes): bytes per write per peer, SYNC+ACK / all types',
      `${n(m.spacedSyncPerOpPerPeer)} / ${n(m.spacedAllPerOpPerPeer)} B`,
      `< 100 B${verdict(below(m.spacedAllPerOpPerPeer, 100))}`,
      '~2,400-2,900 B per write per peer',
    );
    add(
      'wire, under load (3 nodes, all to one): bytes per op per peer, SYNC+ACK / all types',
      `${n(m.loadSyncPerOpPerPeer)} / ${n(m.loadAllPerOpPerPeer)} B`,
      `< 100 B${verdict(below(m.loadAllPerOpPerPeer, 100))}`,
    );
    add(
      `  next to: one op's Yjs delta; full state after ${n(w.replayedOps, 0)} ops; full-state gossip per op per peer`,
      `${n(w.deltaBytesPerOp)} B; ${n(w.fullStateBytesAtEnd, 0)} B; ${n(w.fullStateGossipBytesPerOpPerPeer, 0)} B`,
    );
  }
  if (r.latency !== undefined)
    add(
      'wire, idle link (both directions: heartbeats + anti-entropy)',
      `${n(r.latency.idleBytesPerLinkPerSec, 0)} B/s`,
      '',
      '~19 KB/s (300 ms sync)',
    );
  for (const s of r.failover?.signals ?? []) {
    const m = s.median;
    const target =
      s.signal === 'SIGKILL'
        ? `< 1 s${verdict(m.gatesMovedMs < 1000)}`
        : s.signal === 'SIGTERM'
          ? `0 failed${verdict(m.failed === 0)}`
          : '';
    const anchor = s.signal === 'SIGSTOP' ? 'memberlist ~5 s; Akka ~5.5 s + 20 s SBR; BEAM net_ticktime 60 s' : '';
    add(
      `failover, ${s.signal} of gate 1's node (3 nodes): gates moved / started (takeover sync) / first ok through gate 1 / longest gap / failed`,
      `${n(m.gatesMovedMs, 1)} ms / ${n(m.gatesStartedMs, 1)} ms (${n(m.takeoverMs, 1)} ms) / ${n(m.firstOkAfterMoveMs, 1)} ms / ${n(m.longestGapMs, 1)} ms / ${n(m.failed, 0)} of ${n(m.commands, 0)}`,
      target,
      anchor,
    );
  }
  for (const s of r.catchup?.sizes ?? []) {
    const m = s.median;
    add(
      `catch-up, newcomer joins a lot of ${n(s.cars, 0)} cars: from ready / from spawn; bytes received`,
      `${n(m.fromReadyMs, 0)} ms / ${n(m.fromSpawnMs, 0)} ms; ${mb(m.bytesReceived)} (${n(m.bytesPerCar, 1)} B/car)`,
      s.cars === 100_000 ? `< 2 s${verdict(m.fromReadyMs < 2000)}` : '',
      s.cars === 100_000 ? '6.0-6.5 s' : '',
    );
  }
  const g = r.growth;
  if (g !== undefined) {
    const c = g.churn;
    add(
      `state growth, ${n(c.visits, 0)} visits through a ${c.spaces}-space lot: encoded / heap / load on a fresh node`,
      `${mb(c.encodedBytes)} / ${mb(c.heapBytes)} / ${n(c.loadMs, 0)} ms`,
      '',
      'bounded by live keys (457 B each)',
    );
    add('  bytes per ended visit (tombstones)', `${n(c.bytesPerEndedVisit, 1)} B`, '', 'Yjs facts: ~18 B');
    const l = g.live;
    add(
      `state, ${n(l.cars, 0)} cars all inside: bytes per car / heap per car / load`,
      `${n(l.bytesPerCar, 1)} B / ${n(l.heapBytesPerCar, 0)} B / ${n(l.loadMs, 0)} ms`,
      '',
      '457 B per live key (45.7 MB per 100k)',
    );
  }
  const header = '| what | figure (median) | target | Elixir anchor |\n|---|---|---|---|';
  const body = rows.map((row) => `| ${row.join(' | ')} |`).join('\n');
  const m = (report.machine ?? {}) as Partial<Machine>;
  return `${header}\n${body}\n\n${report.preset} run, ${report.repeats} repeat(s), ${m.cores} × ${m.cpu}, ${m.memoryGiB} GiB, Node ${m.node}, ${report.totalSeconds} s in all.`;
}
