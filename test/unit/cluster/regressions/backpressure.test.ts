/**
 * Regressions (review of the replicator under backpressure), on a hand-driven link pair: a SYNCED lost
 * in a dropped backlog is said again, and an ack that follows a dropped update releases no writer
 * until a resync has carried the dropped update.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Replicator } from '../../../../src/cluster/replicator.js';
import { LotDocument } from '../../../../src/crdt/lot-document.js';
import { silentLogger } from '../../../../src/log.js';
import { MessageType } from '../../../../src/transport/envelope.js';
import type { LinkStats, PeerLink } from '../../../../src/transport/types.js';
import { FakeClock } from '../../../support/fake-clock.js';

/** One end of a link whose frames wait in `inbox` of the other end until the test delivers them. */
class TestLink extends EventEmitter implements PeerLink {
  readonly id = 'l';
  readonly direction = 'outbound' as const;
  readonly bufferedAmount = 0;
  readonly stats = {} as LinkStats;
  open = true;
  other!: TestLink;
  inbox: Array<[number, Uint8Array]> = [];
  dropping = false;
  sent: number[] = [];
  constructor(readonly remote: { cluster: string; name: string; incarnation: string; url: string }) {
    super();
  }
  send(type: number, payload: Uint8Array): boolean {
    if (!this.open) return false;
    if (this.dropping) return false;
    this.sent.push(type);
    this.other.inbox.push([type, payload]);
    return true;
  }
  close(): void {
    this.open = false;
  }
}

function pair(): { clock: FakeClock; a: Side; b: Side; deliver: () => number } {
  const clock = new FakeClock();
  const make = (name: string): Side => {
    const lot = new LotDocument({ incarnation: name });
    const replicator = new Replicator({ lot, clock, logger: silentLogger(), antiEntropyIntervalMs: 1000, replicationAckTimeoutMs: 500, pushCoalesceMs: 0 });
    return { lot, replicator, link: undefined as unknown as TestLink };
  };
  const a = make('a');
  const b = make('b');
  a.link = new TestLink({ cluster: 'c', name: 'b', incarnation: 'b', url: '' });
  b.link = new TestLink({ cluster: 'c', name: 'a', incarnation: 'a', url: '' });
  a.link.other = b.link;
  b.link.other = a.link;
  a.replicator.start();
  b.replicator.start();
  /** Delivers every queued frame, both ways, until quiet; returns how many. */
  const deliver = () => {
    let n = 0;
    for (let busy = true; busy; ) {
      busy = false;
      for (const side of [a, b]) {
        const frames = side.link.inbox.splice(0);
        for (const [type, payload] of frames) {
          busy = true;
          n++;
          side.replicator.handle(side.link, type, payload);
        }
      }
    }
    return n;
  };
  return { clock, a, b, deliver };
}

interface Side {
  lot: LotDocument;
  replicator: Replicator;
  link: TestLink;
}

const car = (plate: string) => ({ plate, gate: 1, enteredAt: 1, node: 'x' });


describe('Replicator under backpressure', () => {
  it('Backpressure_ASYNCEDLostInADroppedBacklogIsSaidAgain_SoThePeerPlacesUs', async () => {
    const { clock, a, b, deliver } = pair();
    let caughtUpAtA = 0;
    a.replicator.on('peer:caught-up', () => caughtUpAtA++);
    a.replicator.addLink(a.link);
    b.replicator.addLink(b.link);
    // a handles b's step 1: a's step 2 goes to b's inbox, behind a's step 1
    for (const [t, p] of a.link.inbox.splice(0)) a.replicator.handle(a.link, t, p);
    // b's link is overflowed at the moment it receives a's step 2 (e.g. its own big step 2 is still buffered)
    b.link.dropping = true; b.link.emit('overflow');
    for (const [t, p] of b.link.inbox.splice(0)) b.replicator.handle(b.link, t, p);
    // (a's step1 is handled by b above; b's SYNCED is dropped)
    b.link.dropping = false; b.link.emit('drain');   // resync with SYNC_BACK
    deliver();
    for (let i = 0; i < 5; i++) { await clock.advance(1000); deliver(); } // anti-entropy rounds
    expect(caughtUpAtA).toBeGreaterThan(0);
  });

  it('Backpressure_AnAckOfALaterUpdateReleasesNoWriterWhoseUpdateWasDropped_UntilTheResync', async () => {
    const { clock, a, b, deliver } = pair();
    a.replicator.addLink(a.link);
    b.replicator.addLink(b.link);
    deliver();
    a.link.dropping = true; a.link.emit('overflow');
    a.lot.enter(car('W1'));
    let w1Acked = false;
    void a.replicator.whenReplicated().then(() => (w1Acked = true));
    await clock.advance(0);                 // push seq 1: dropped
    a.link.dropping = false; a.link.emit('drain');  // a -> b: step1|SYNC_BACK
    a.lot.enter(car('W2'));
    await clock.advance(0);                 // push seq 2: sent after the step 1
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
