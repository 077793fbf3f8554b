/**
 * A joining node's gate table starts empty, not with every gate on itself, so it never answers for a
 * lot its replica does not hold yet.
 */
import { afterEach, expect, it } from 'vitest';
import { memoryCluster, type MemoryCluster } from '../../support/memory-cluster.js';
let cluster: MemoryCluster | undefined;
afterEach(async () => {
  await cluster?.stopAll();
  cluster = undefined;
});
it('Join_ANewNodeOwnsNoGateRightAfterStart_AndRefusesACarAlreadyInsideOnceJoined', async () => {
  cluster = await memoryCluster(['a']);
  const { clock, network } = cluster;
  for (let i = 0; i < 5; i++) await clock.run(cluster.node('a').trackEntry(`OLD ${i}`, 1));
  network.latencyMs = 50;
  const b = await cluster.add('b');
  const owners = (await b.cluster()).gates.map((g) => g.node);
  expect(owners.every((o) => o === null)).toBe(true);
  expect((await b.status()).gatesOwned).toEqual([]);
  await expect(clock.run(b.trackEntry('OLD 0', 2))).rejects.toMatchObject({ code: 'ERR_ALREADY_INSIDE' });
});
