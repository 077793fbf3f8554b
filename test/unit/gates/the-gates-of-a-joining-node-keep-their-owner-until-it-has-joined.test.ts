/**
 * A peer counts a joining node in its placement view once the joiner says SYNCED, while the joiner's
 * own view leaves itself out until it has tried every initial peer and synced every link. Were SYNCED
 * said before joining, the gates rendezvous gives the joiner would have no owner anywhere; a node says
 * SYNCED only once it has joined, so its peers keep its gates until it runs them.
 */
import { afterEach, expect, it } from 'vitest';
import { chooseNode } from '../../../src/gates/placement.js';
import { memoryCluster, type MemoryCluster } from '../../support/memory-cluster.js';

let cluster: MemoryCluster | undefined;
afterEach(async () => {
  await cluster?.stopAll();
  cluster = undefined;
});

it('Join_AJoinerWaitingForAnUnreachablePeerIsNotPlacedByItsPeers_SoItsGatesKeepAnOwner', async () => {
  cluster = await memoryCluster(['a', 'c']);
  const { clock, network } = cluster;
  await clock.advance(500);
  network.partition(['b'], ['c']); // b cannot reach c (c stays healthy with a)
  const b = await cluster.add('b'); // initial peers: a, c; the dial to c hangs for the 5 s handshake timeout
  await clock.advance(200);
  const a = cluster.node('a');
  const gateB = [1, 2, 3, 4].find((g) => chooseNode(g, ['a', 'b', 'c']) === 'b' || chooseNode(g, ['a', 'b']) === 'b')!;
  expect(b.readiness().ready).toBe(false);
  expect((await a.cluster()).gates.map((g) => g.node)).not.toContain('b');
  const car = await clock.run(a.trackEntry('X 1', gateB), 10_000);
  expect(car.plate).toBe('X 1');
});
