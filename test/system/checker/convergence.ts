/**
 * Pure judgements over what the nodes answered: has the cluster converged (same members, same lot,
 * one live owner per gate on every view), and figures over the monitor's samples (the longest time a
 * gate had no running owner, the highest occupancy any node reported).
 */
import type { ClusterView, LotView, NodeStatus } from '../../../src/types.js';
import { compareLots } from './check-lot.js';

/** What one node answered to /cluster, /lot and /status (undefined when it did not answer). */
export interface NodeAnswers {
  url: string;
  cluster?: ClusterView;
  lot?: LotView;
  status?: NodeStatus;
}

/** The verdict: converged, or why not. */
export interface Convergence {
  ok: boolean;
  problems: string[];
}

/**
 * Converged when every expected node answered; each sees exactly the expected nodes alive; the lots
 * are identical; and every gate 1..gates has exactly one owner, the same on every view, alive, and
 * actually running it (its /status lists the gate, no other node's does).
 */
export function judgeConvergence(answers: NodeAnswers[], expected: string[], gates: number): Convergence {
  const problems: string[] = [];
  const want = [...expected].sort().join(',');
  for (const a of answers) {
    if (a.cluster === undefined || a.lot === undefined || a.status === undefined) {
      problems.push(`${a.url} did not answer`);
      continue;
    }
    const alive = a.cluster.members
      .filter((m) => m.status === 'alive')
      .map((m) => m.name)
      .sort()
      .join(',');
    if (alive !== want) problems.push(`${a.cluster.self} sees alive [${alive}], want [${want}]`);
  }
  if (problems.length > 0) return { ok: false, problems };
  const full = answers as Required<NodeAnswers>[];
  problems.push(...compareLots(full.map((a) => ({ node: a.cluster.self, cars: a.lot.cars }))).map((d) => `lots differ: ${d}`));
  for (let gate = 1; gate <= gates; gate++) {
    const owners = new Set(full.map((a) => a.cluster.gates.find((g) => g.gate === gate)?.node ?? null));
    const running = full.filter((a) => a.status.gatesOwned.includes(gate)).map((a) => a.status.name);
    const [owner] = [...owners];
    if (owners.size !== 1) problems.push(`gate ${gate}: views disagree on its owner: ${[...owners].join(', ')}`);
    else if (owner === null || owner === undefined || !expected.includes(owner))
      problems.push(`gate ${gate}: owner ${String(owner)} is not a live node`);
    else if (running.length !== 1 || running[0] !== owner)
      problems.push(`gate ${gate}: owner ${owner} on every view, but run by [${running.join(', ')}]`);
  }
  return { ok: problems.length === 0, problems };
}

/** One round of the monitor (client/agent.mjs): each node's /status, or its error. */
export interface MonitorSample {
  t: number;
  nodes: { url: string; name?: string; gatesOwned?: number[]; occupied?: number; spaces?: number; error?: string }[];
}

/**
 * The longest time any gate had no running owner among the nodes that answered, counted from the
 * first round in which every gate was running (start-up is not a gap). A gap ends at the first round
 * in which some node runs the gate again; a gap still open at the last round ends there.
 */
export function longestGateGap(samples: MonitorSample[], gates: number): { ms: number; gate?: number; at?: number } {
  const running = (s: MonitorSample, g: number) => s.nodes.some((n) => n.gatesOwned?.includes(g) === true);
  const start = samples.findIndex((s) => Array.from({ length: gates }, (_, i) => i + 1).every((g) => running(s, g)));
  let best: { ms: number; gate?: number; at?: number } = { ms: 0 };
  if (start < 0) return best;
  for (let g = 1; g <= gates; g++) {
    let since: number | undefined;
    for (const s of samples.slice(start)) {
      if (!running(s, g)) since ??= s.t;
      else if (since !== undefined) {
        if (s.t - since > best.ms) best = { ms: s.t - since, gate: g, at: since };
        since = undefined;
      }
    }
    const last = samples[samples.length - 1];
    if (since !== undefined && last !== undefined && last.t - since > best.ms) best = { ms: last.t - since, gate: g, at: since };
  }
  return best;
}

/** The highest occupancy any node reported, with the lot's number of spaces. */
export function maxOccupancy(samples: MonitorSample[]): { occupied: number; spaces: number } {
  let occupied = 0;
  let spaces = 0;
  for (const s of samples) {
    for (const n of s.nodes) {
      if (n.occupied !== undefined && n.occupied > occupied) occupied = n.occupied;
      if (n.spaces !== undefined) spaces = n.spaces;
    }
  }
  return { occupied, spaces };
}
