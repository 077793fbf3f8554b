/**
 * An exit retried after its owner vanished, sent from a node whose replica had not seen the car yet,
 * is decided by the new owner (not refused with the empty list of visits the sender saw).
 */
import { afterEach, expect, it } from 'vitest';
import type { ParkingError } from '../../../src/errors.js';
import { chooseNode } from '../../../src/gates/placement.js';
import { meshed, memoryCluster, type MemoryCluster } from '../../support/memory-cluster.js';
let cluster: MemoryCluster | undefined;
afterEach(async () => {
  await cluster?.stopAll();
  cluster = undefined;
});

it('Retry_AnExitRetriedFromAForwarderThatHadNotSeenTheCarIsDecidedByTheNewOwner', async () => {
  cluster = await memoryCluster(['a', 'b', 'c'], { config: { gates: 8 } });
  await meshed(cluster, ['a', 'b', 'c']);
  const { clock, network } = cluster;
  const gate = [1, 2, 3, 4, 5, 6, 7, 8].find((g) => chooseNode(g, ['a', 'b', 'c']) === 'b' && chooseNode(g, ['a', 'c']) === 'c')!;
  expect(gate).toBeDefined();
  const a = cluster.node('a'),
    b = cluster.node('b'),
    c = cluster.node('c');
  network.partition(['a'], ['b']); // a's replica lags b's
  const entry = b.trackEntry('P 1', gate);
  entry.catch(() => undefined);
  await clock.until(() => c.lot.carOf('P 1') !== undefined);
  expect(a.lot.carOf('P 1')).toBeUndefined(); // forwarder has not seen the car yet
  const exit = a.trackExit('P 1', gate);
  exit.catch(() => undefined); // forwarded to b, lost
  await clock.advance(5);
  network.crash('b'); // b goes away: outcome unknown, retried
  network.heal();
  const r = await clock.run(
    exit.then(
      (v) => ({ ok: v }),
      (e: unknown) => ({ err: (e as ParkingError).code }),
    ),
    10_000,
  );
  await clock.advance(2000);
  expect(r).toHaveProperty('ok');
});
