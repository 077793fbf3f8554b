/**
 * The replicator under backpressure, on a hand-driven link pair: a SYNCED lost in a dropped backlog is
 * said again, and an ack that follows a dropped update releases no writer until a resync has carried
 * the dropped update.
 */
import { describe, expect, it } from 'vitest';
import { pair } from '../../support/link-pair.js';

const car = (plate: string) => ({ plate, gate: 1, enteredAt: 1, node: 'x' });

describe('Replicator under backpressure', () => {
  it('Backpressure_ASYNCEDLostInADroppedBacklogIsSaidAgain_SoThePeerPlacesUs', async () => {
    const { clock, a, b, deliver } = pair();
    let caughtUpAtA = 0;
    a.replicator.on('peer:synced', () => caughtUpAtA++);
    a.replicator.addLink(a.link);
    b.replicator.addLink(b.link);
    // a handles b's step 1: a's step 2 goes to b's inbox, behind a's step 1
    for (const [t, p] of a.link.inbox.splice(0)) a.replicator.handle(a.link, t, p);
    // b's link is overflowed at the moment it receives a's step 2 (e.g. its own big step 2 is still buffered)
    b.link.dropping = true;
    b.link.emit('overflow');
    for (const [t, p] of b.link.inbox.splice(0)) b.replicator.handle(b.link, t, p);
    // (a's step1 is handled by b above; b's SYNCED is dropped)
    b.link.dropping = false;
    b.link.emit('drain'); // resync with SYNC_BACK
    deliver();
    for (let i = 0; i < 5; i++) {
      await clock.advance(1000);
      deliver();
    } // anti-entropy rounds
    expect(caughtUpAtA).toBeGreaterThan(0);
  });

  it('Backpressure_AnAckOfALaterUpdateReleasesNoWriterWhoseUpdateWasDropped_UntilTheResync', async () => {
    const { clock, a, b, deliver } = pair();
    a.replicator.addLink(a.link);
    b.replicator.addLink(b.link);
    deliver();
    a.link.dropping = true;
    a.link.emit('overflow');
    a.lot.enter(car('W1'));
    let w1Acked = false;
    void a.replicator.whenReplicated().then(() => (w1Acked = true));
    await clock.advance(0); // push seq 1: dropped
    a.link.dropping = false;
    a.link.emit('drain'); // a -> b: step1|SYNC_BACK
    a.lot.enter(car('W2'));
    await clock.advance(0); // push seq 2: sent after the step 1
    // b handles a's step1 (answers step2 + own step1) and then update seq 2 (pending in Yjs: misses W1) -> SYNC_ACK 2
    for (const [t, p] of b.link.inbox.splice(0)) b.replicator.handle(b.link, t, p);
    // a handles b's frames in order: step2, step1 (a answers with step 2 holding W1), ack 2
    for (const [t, p] of a.link.inbox.splice(0)) a.replicator.handle(a.link, t, p);
    await new Promise((r) => setImmediate(r));
    expect(w1Acked && b.lot.carOf('W1') === undefined).toBe(false);
    // The resync completes (b applies a's step 2 and acks it): now W1 is on b and its writer is answered.
    deliver();
    await new Promise((r) => setImmediate(r));
    expect(b.lot.carOf('W1')).toBeDefined();
    expect(b.lot.carOf('W2')).toBeDefined();
    expect(w1Acked).toBe(true);
  });
});
