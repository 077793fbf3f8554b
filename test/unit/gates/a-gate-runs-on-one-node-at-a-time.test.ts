/**
 * While the cluster is connected a gate's worker runs on at most one node at every moment: during a
 * join over a slow link (the old owner keeps the gate until it released it, and the joiner starts it
 * only then), during a graceful leave, and after a crash (the new owner starts it after the takeover
 * sync). Every node's gate:started / gate:stopped events are recorded in order on the shared fake
 * clock; the running set per gate must never hold two nodes.
 */
import { afterEach, expect, it } from 'vitest';
import type { Node } from '../../../src/node.js';
import { meshed, memoryCluster, type MemoryCluster } from '../../support/memory-cluster.js';

let cluster: MemoryCluster | undefined;
afterEach(async () => {
  await cluster?.stopAll();
  cluster = undefined;
});

/** Follows gate:started/stopped on nodes; `violations` lists every moment a gate ran on two. */
function runningGates() {
  const running = new Map<number, Set<string>>();
  const violations: string[] = [];
  const starts: string[] = [];
  /** Nodes whose process crashed: their Node object lives on in memory, but a dead process runs nothing. */
  const dead = new Set<string>();
  const started = (gate: number, name: string): void => {
    if (dead.has(name)) return;
    const set = running.get(gate) ?? new Set<string>();
    running.set(gate, set);
    set.add(name);
    starts.push(`${gate}@${name}`);
    if (set.size > 1) violations.push(`gate ${gate} runs on ${[...set].join(' and ')}`);
  };
  const watch = (node: Node): void => {
    // What already runs there (a node starts before the test can listen), then every change.
    for (const gate of node.parts.service.owned()) started(gate, node.name);
    node.on('gate:started', ({ gate, node: name }) => started(gate, name));
    node.on('gate:stopped', ({ gate, node: name }) => running.get(gate)?.delete(name));
  };
  /** A node that crashed runs nothing any more. */
  const crashed = (name: string): void => {
    dead.add(name);
    for (const set of running.values()) set.delete(name);
  };
  return { running, violations, starts, watch, crashed };
}

it('OneOwner_AJoinOverASlowLink_TheJoinerStartsAGateOnlyAfterItsOwnerReleasedIt', async () => {
  cluster = await memoryCluster(['a']);
  const { clock, network } = cluster;
  const gates = runningGates();
  gates.watch(cluster.node('a'));
  await meshed(cluster, ['a']);
  for (let i = 0; i < 12; i++) await clock.run(cluster.node('a').trackEntry(`OLD ${i}`, (i % 4) + 1));
  network.latencyMs = 40;
  const b = await cluster.add('b');
  gates.watch(b);
  // Commands keep flowing through both nodes during the join.
  const commands = Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? cluster!.node('a') : b).trackEntry(`JOIN ${i}`, (i % 4) + 1));
  await meshed(cluster, ['a', 'b']);
  await clock.run(Promise.allSettled(commands));
  expect(gates.starts.some((s) => s.endsWith('@b'))).toBe(true);
  expect(gates.violations).toEqual([]);
  // Every command acknowledged during the join is in both replicas.
  const acked = (await Promise.allSettled(commands)).filter((r) => r.status === 'fulfilled').length;
  await clock.until(async () => (await b.read()).occupied === 12 + acked && (await cluster!.node('a').read()).occupied === 12 + acked);
});

it('OneOwner_ALeaveAndACrash_MoveEveryGateWithoutTwoRunnersAtOnce', async () => {
  cluster = await memoryCluster(['a', 'b', 'c']);
  const { clock, network } = cluster;
  const gates = runningGates();
  for (const name of ['a', 'b', 'c']) gates.watch(cluster.node(name));
  await meshed(cluster, ['a', 'b', 'c']);
  network.latencyMs = 15;
  await clock.run(cluster.node('c').stop());
  cluster.nodes.delete('c');
  await meshed(cluster, ['a', 'b']);
  network.crash('b');
  gates.crashed('b');
  cluster.nodes.delete('b');
  const c2 = await cluster.add('c');
  gates.watch(c2);
  await meshed(cluster, ['a', 'c']);
  // Each gate starts on its owner once the takeover sync is done.
  await clock.until(() => [1, 2, 3, 4].every((gate) => gates.running.get(gate)?.size === 1), {
    message: () => JSON.stringify(Object.fromEntries([...gates.running].map(([g, s]) => [g, [...s]]))),
  });
  expect(gates.violations).toEqual([]);
});

it('OneOwner_APartialPartition_NoGateRunsTwice_AndEveryGateWorksFromEveryNodeThroughTheMiddleOne', async () => {
  cluster = await memoryCluster(['a', 'b', 'c']);
  const { clock, network } = cluster;
  const gates = runningGates();
  for (const name of ['a', 'b', 'c']) gates.watch(cluster.node(name));
  await meshed(cluster, ['a', 'b', 'c']);
  // a reaches b and c; b and c are cut from each other and declare each other dead.
  network.partition(['b'], ['c']);
  await clock.until(async () => {
    const [b, c] = await Promise.all([cluster!.node('b').cluster(), cluster!.node('c').cluster()]);
    return b.members.find((m) => m.name === 'c')?.status === 'dead' && c.members.find((m) => m.name === 'b')?.status === 'dead';
  });
  await clock.advance(500);
  expect(gates.violations).toEqual([]);
  // Every gate answers through every node: b's commands for c's gates go through a, and back.
  let n = 0;
  for (const via of ['a', 'b', 'c']) {
    for (let gate = 1; gate <= 4; gate++) {
      const car = await clock.run(cluster.node(via).trackEntry(`PP ${n++}`, gate), 20_000);
      expect(car.gate).toBe(gate);
    }
  }
  expect(gates.violations).toEqual([]);
  expect((await cluster.node('a').metrics.relayed.get()).values[0]?.value).toBeGreaterThan(0);
  for (const name of ['a', 'b', 'c']) await clock.until(async () => (await cluster!.node(name).read()).occupied === 12);
  network.heal();
  await meshed(cluster, ['a', 'b', 'c']);
  expect(gates.violations).toEqual([]);
});

it('OneOwner_AHealedPartition_NoGateRunsOnTwoNodesThatSeeEachOtherUp_AndEachDoubleRunEndsOneMessageDelayAfterTheLink', async () => {
  // Each side of a 2|2 partition runs every gate it cannot see being run. When the sides link again,
  // a gate running on both is released by the node with the greater name as soon as the other's
  // claim arrives (one message delay), not once the placement moves it (a SYNCED round trip later).
  cluster = await memoryCluster(['a', 'b', 'c', 'd']);
  const { clock, network } = cluster;
  await meshed(cluster, ['a', 'b', 'c', 'd']);
  network.partition(['a', 'b'], ['c', 'd']);
  const sideRuns = async (names: string[]) => new Set(names.flatMap((name) => cluster!.node(name).parts.service.owned()));
  await clock.until(async () => (await sideRuns(['a', 'b'])).size === 4 && (await sideRuns(['c', 'd'])).size === 4);
  const latency = 40;
  network.latencyMs = latency;
  // From the heal on: when each gate runs on two nodes, and for how long.
  const runningOn = new Map<number, Map<string, number>>();
  const overlaps: number[] = [];
  for (const name of ['a', 'b', 'c', 'd']) {
    const node = cluster.node(name);
    for (const gate of node.parts.service.owned()) {
      const on = runningOn.get(gate) ?? new Map<string, number>();
      on.set(name, clock.monotonic());
      runningOn.set(gate, on);
    }
    node.on('gate:started', ({ gate }) => {
      const on = runningOn.get(gate) ?? new Map<string, number>();
      on.set(name, clock.monotonic());
      runningOn.set(gate, on);
    });
    node.on('gate:stopped', ({ gate }) => {
      const on = runningOn.get(gate);
      if (on === undefined || !on.has(name)) return;
      if (on.size > 1) overlaps.push(clock.monotonic() - Math.max(...on.values()));
      on.delete(name);
    });
  }
  const healedAt = clock.monotonic();
  let linkedAt = Number.POSITIVE_INFINITY;
  cluster.node('a').on('member:up', ({ name }) => {
    if (name === 'c') linkedAt = Math.min(linkedAt, clock.monotonic());
  });
  // A member is "up" only once no gate runs on both: whenever two nodes of opposite sides both see
  // each other up, they share no running gate.
  const upOn = new Map<string, Set<string>>();
  const sharedWhileUp: string[] = [];
  for (const name of ['a', 'b', 'c', 'd']) {
    cluster.node(name).on('member:up', ({ name: peer }) => {
      const seen = upOn.get(name) ?? new Set<string>();
      seen.add(peer);
      upOn.set(name, seen);
      if (upOn.get(peer)?.has(name) !== true) return;
      const mine = cluster!.node(name).parts.service.owned();
      const theirs = cluster!.node(peer).parts.service.owned();
      const both = mine.filter((gate) => theirs.includes(gate));
      if (both.length > 0) sharedWhileUp.push(`${name}+${peer}: ${both.join(',')}`);
    });
  }
  network.heal();
  await meshed(cluster, ['a', 'b', 'c', 'd']);
  expect(linkedAt).toBeGreaterThan(healedAt);
  // Every gate ran on both sides at the heal; each double run ended, and one message delay (plus the
  // dial's own delays) after the link, not a placement round trip later.
  await clock.until(() => [1, 2, 3, 4].every((gate) => runningOn.get(gate)?.size === 1));
  expect(overlaps).toHaveLength(4);
  const lastEnd = healedAt + Math.max(...overlaps);
  expect(lastEnd - linkedAt).toBeLessThanOrEqual(2 * latency);
  expect(upOn.get('a')?.has('c')).toBe(true);
  expect(sharedWhileUp).toEqual([]);
});
