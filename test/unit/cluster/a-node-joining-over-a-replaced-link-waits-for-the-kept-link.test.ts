/**
 * A joining node whose only link, not yet synced, is replaced by a duplicate link (both sides dialed
 * at once) waits for the kept link to sync: it never joins with an empty replica.
 */
import { afterEach, expect, it } from 'vitest';
import { memoryCluster, type MemoryCluster } from '../../support/memory-cluster.js';
let cluster: MemoryCluster | undefined;
afterEach(async () => {
  await cluster?.stopAll();
  cluster = undefined;
});

for (const offset of [10, 20, 30, 40, 50, 60]) {
  it(`Join_AnUnsyncedLinkReplacedByItsDuplicateDoesNotLetTheNodeJoinEmpty (A dials B ${offset} ms after B starts)`, async () => {
    cluster = await memoryCluster(['a']);
    const { clock, network } = cluster;
    const a = cluster.node('a');
    for (let i = 0; i < 5; i++) await clock.run(a.trackEntry(`OLD ${i}`, 1));
    network.latencyMs = 20;
    const b = await cluster.add('b'); // b dials a (initial)
    await clock.advance(offset);
    void a.parts.transport.dial('memory://b').catch(() => undefined); // a's discovery redials b
    let violated = '';
    for (let t = 0; t < 300; t += 1) {
      await clock.advance(1);
      const owned = (await b.status()).gatesOwned;
      if (b.readiness().ready && b.lot.occupied < 5)
        violated ||= `t=${offset + t}: b ready, owns ${JSON.stringify(owned)}, holds ${b.lot.occupied}/5`;
    }
    expect(violated).toBe('');
  });
}
