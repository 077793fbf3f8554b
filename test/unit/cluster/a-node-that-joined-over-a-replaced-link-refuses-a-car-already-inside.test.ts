/**
 * Through a node that joined while its link was being replaced, a car already inside is refused, not
 * entered a second time.
 */
import { afterEach, expect, it } from 'vitest';
import { memoryCluster, type MemoryCluster } from '../../support/memory-cluster.js';
let cluster: MemoryCluster | undefined;
afterEach(async () => {
  await cluster?.stopAll();
  cluster = undefined;
});

it('Join_ThroughANodeWhoseLinkWasReplaced_ACarAlreadyInsideIsRefused', async () => {
  cluster = await memoryCluster(['a']);
  const { clock, network } = cluster;
  const a = cluster.node('a');
  for (let i = 0; i < 5; i++) await clock.run(a.trackEntry(`OLD ${i}`, 1));
  network.latencyMs = 20;
  const b = await cluster.add('b'); // b dials a (initial, static-like)
  await clock.advance(30);
  void a.parts.transport.dial('memory://b').catch(() => undefined); // a's own discovery (re)dials b at the same time
  await clock.until(() => b.readiness().ready);
  await expect(clock.run(b.trackEntry('OLD 0', 2))).rejects.toMatchObject({ code: 'ERR_ALREADY_INSIDE' });
  await clock.advance(2000);
  expect(a.lot.visitsOf('OLD 0')).toHaveLength(1);
});
