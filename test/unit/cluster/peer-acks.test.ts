/**
 * What a write's wait for its peers resolves to (awaitAcks): confirmed when every peer settled and
 * one of them holds the write; not confirmed on the timeout, nor when every peer went away without
 * acknowledging it (then the write is on the writer alone).
 */
import { describe, expect, it } from 'vitest';
import { awaitAcks, PeerAcks } from '../../../src/cluster/peer-acks.js';
import { FakeClock } from '../../support/fake-clock.js';

function peers(n: number): PeerAcks[] {
  return Array.from({ length: n }, () => {
    const acks = new PeerAcks();
    // A link whose first step 2 (seq 1) was acknowledged: its acks count.
    acks.acknowledged(1);
    return acks;
  });
}

describe('awaitAcks', () => {
  it('is confirmed once every peer acknowledged', async () => {
    const [a, b] = peers(2);
    const wait = awaitAcks([a!, b!], 5, new FakeClock(), 1000, () => undefined);
    a!.acknowledged(5);
    b!.acknowledged(7);
    expect(await wait).toBe(true);
  });

  it('is confirmed when one peer acknowledged and the other went away', async () => {
    const [a, b] = peers(2);
    const wait = awaitAcks([a!, b!], 5, new FakeClock(), 1000, () => undefined);
    a!.acknowledged(5);
    b!.release();
    expect(await wait).toBe(true);
  });

  it('is confirmed when a peer had acknowledged before the wait and the other went away', async () => {
    const [a, b] = peers(2);
    a!.acknowledged(5);
    const wait = awaitAcks([a!, b!], 5, new FakeClock(), 1000, () => undefined);
    b!.release();
    expect(await wait).toBe(true);
  });

  it('is not confirmed when every peer went away without acknowledging: the write is on the writer alone', async () => {
    const [a, b] = peers(2);
    const wait = awaitAcks([a!, b!], 5, new FakeClock(), 1000, () => undefined);
    a!.release();
    b!.release();
    expect(await wait).toBe(false);
  });

  it('is not confirmed when the timeout passes first, and says so', async () => {
    const clock = new FakeClock();
    const [a] = peers(1);
    let timedOut = false;
    const wait = awaitAcks([a!], 5, clock, 1000, () => (timedOut = true));
    await clock.advance(1000);
    expect(await wait).toBe(false);
    expect(timedOut).toBe(true);
  });

  it('does not count an ack of a new link before its first step 2 was acknowledged', async () => {
    const fresh = new PeerAcks();
    fresh.dropped(); // what the replicator does on a new link
    fresh.step2Sent(3);
    const clock = new FakeClock();
    const wait = awaitAcks([fresh], 2, clock, 1000, () => undefined);
    fresh.acknowledged(2); // the update, parked by the peer until the step 2 arrives
    await clock.advance(1);
    expect(fresh.behind(2)).toBe(true);
    fresh.acknowledged(3);
    expect(await wait).toBe(true);
  });
});
