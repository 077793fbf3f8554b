/**
 * A command whose gate owner vanished after replicating it, but before answering, is retried
 * elsewhere; the retry does not apply it a second time. An exit retried after a re-entry does not
 * delete that re-entry; an entry retried after an exit does not bring the car back.
 */
import { afterEach, expect, it } from 'vitest';
import { chooseNode } from '../../../src/gates/placement.js';
import { meshed, memoryCluster, type MemoryCluster } from '../../support/memory-cluster.js';

let cluster: MemoryCluster | undefined;
afterEach(async () => {
  await cluster?.stopAll();
  cluster = undefined;
});

/** Nodes a, b, c meshed; a gate that b runs and one that it does not. */
async function threeNodes() {
  cluster = await memoryCluster(['a', 'b', 'c']);
  await meshed(cluster, ['a', 'b', 'c']);
  const names = ['a', 'b', 'c'];
  return {
    clock: cluster.clock,
    network: cluster.network,
    a: cluster.node('a'),
    c: cluster.node('c'),
    gateB: [1, 2, 3, 4].find((g) => chooseNode(g, names) === 'b')!,
    gateOther: [1, 2, 3, 4].find((g) => chooseNode(g, names) !== 'b')!,
  };
}

it('Retry_AnExitWhoseOwnerVanishedAfterApplyingItLeavesAReEntryMadeSinceAlone', async () => {
  const { clock, network, a, c, gateB, gateOther } = await threeNodes();
  await clock.run(a.trackEntry('P 1', gateOther));
  // b vanishes (host freeze / cable cut) right after a and c applied b's exit delta, before b answers.
  let seen = 0;
  const onLeft = (car: { plate: string }) => {
    if (car.plate === 'P 1' && ++seen === 2) network.partition(['b'], ['a', 'c']);
  };
  a.on('car:left', onLeft);
  c.on('car:left', onLeft);
  const exit = a.trackExit('P 1', gateB); // forwarded to b
  exit.catch(() => undefined);
  await clock.until(() => seen === 2);
  expect(a.lot.carOf('P 1')).toBeUndefined(); // the exit happened
  // the car comes back in at another gate; the client is told 201
  await clock.run(c.trackEntry('P 1', gateOther));
  const result = await clock.run(exit, 10_000);
  await clock.advance(2000);
  expect(result.car.plate).toBe('P 1');
  expect(a.lot.carOf('P 1')).toBeDefined();
});

it('Retry_AnEntryWhoseOwnerVanishedAfterApplyingItIsNotAppliedAgainAfterTheCarLeft', async () => {
  const { clock, network, a, c, gateB, gateOther } = await threeNodes();
  let seen = 0;
  const onIn = (car: { plate: string }) => {
    if (car.plate === 'Q 1' && ++seen === 2) network.partition(['b'], ['a', 'c']);
  };
  a.on('car:entered', onIn);
  c.on('car:entered', onIn);
  const entry = a.trackEntry('Q 1', gateB, { requestId: 'req-q1' }); // forwarded to b
  entry.catch(() => undefined);
  await clock.until(() => seen === 2);
  await clock.run(c.trackExit('Q 1', gateOther)); // the car leaves; client told 200
  const r = await clock.run(entry, 10_000);
  await clock.advance(2000);
  expect(r.plate).toBe('Q 1');
  expect(a.lot.carOf('Q 1')).toBeUndefined();
});
