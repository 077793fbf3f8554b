/**
 * The replicator between two replicas joined by a hand-driven link pair: what is pushed, what is
 * acknowledged, what anti-entropy and a resync repair, and what a bad message does.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { RemoteOrigin, Replicator } from '../../../src/cluster/replicator.js';
import { LotDocument } from '../../../src/crdt/lot-document.js';
import { silentLogger } from '../../../src/log.js';
import { MessageType } from '../../../src/transport/envelope.js';
import type { LinkStats, PeerLink } from '../../../src/transport/types.js';
import { FakeClock } from '../../support/fake-clock.js';

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

describe('Replicator', () => {
  it('SyncOnLink_BothSidesCatchUpInOneExchange_AndReportSynced', () => {
    const { a, b, deliver } = pair();
    a.lot.enter(car('A1'));
    b.lot.enter(car('B1'));
    const synced: string[] = [];
    a.replicator.on('peer:synced', (n) => synced.push(`a<-${n}`));
    b.replicator.on('peer:synced', (n) => synced.push(`b<-${n}`));
    a.replicator.addLink(a.link);
    b.replicator.addLink(b.link);
    expect(a.replicator.allSynced()).toBe(false);
    deliver();
    expect(a.lot.cars().map((c) => c.plate)).toEqual(['A1', 'B1']);
    expect(b.lot.cars()).toEqual(a.lot.cars());
    expect(synced.sort()).toEqual(['a<-b', 'b<-a']);
    expect(a.replicator.allSynced()).toBe(true);
  });

  it('Push_ALocalChangeGoesOutOnTheNextTurn_MergedPerTurn_AndIsNeverEchoedBack', async () => {
    const { clock, a, b, deliver } = pair();
    a.replicator.addLink(a.link);
    b.replicator.addLink(b.link);
    deliver();
    a.link.sent = [];
    b.link.sent = [];
    a.lot.enter(car('P1'));
    a.lot.enter(car('P2'));
    a.lot.enter(car('P3'));
    await clock.advance(0);
    expect(a.link.sent).toEqual([MessageType.SYNC]); // three transactions, one message
    deliver();
    expect(b.lot.occupied).toBe(3);
    await clock.advance(0);
    expect(b.link.sent).toEqual([MessageType.SYNC_ACK]); // an ack, not the update again
  });

  it('WhenReplicated_ResolvesOnThePeersAck', async () => {
    const { clock, a, b, deliver } = pair();
    a.replicator.addLink(a.link);
    b.replicator.addLink(b.link);
    deliver();
    a.lot.enter(car('ACK'));
    let done = false;
    void a.replicator.whenReplicated().then(() => (done = true));
    await clock.advance(0);
    expect(done).toBe(false);
    deliver();
    await clock.advance(0);
    expect(done).toBe(true);
  });

  it('WhenReplicated_GivesUpAfterTheAckTimeout_WhenThePeerIsSilent', async () => {
    const { clock, a, b, deliver } = pair();
    a.replicator.addLink(a.link);
    b.replicator.addLink(b.link);
    deliver();
    a.lot.enter(car('SLOW'));
    let done = false;
    void a.replicator.whenReplicated().then(() => (done = true));
    await clock.advance(499);
    expect(done).toBe(false);
    await clock.advance(2);
    expect(done).toBe(true);
  });

  it('AntiEntropy_RepairsALostUpdateAndALostDelete', async () => {
    const { clock, a, b, deliver } = pair();
    a.replicator.addLink(a.link);
    b.replicator.addLink(b.link);
    a.lot.enter(car('GONE'));
    await clock.advance(0);
    deliver();
    expect(b.lot.occupied).toBe(1);
    a.lot.leave('GONE');
    a.lot.enter(car('NEW'));
    await clock.advance(0);
    b.link.inbox = []; // the push is lost on the wire
    expect(b.lot.carOf('GONE')).toBeDefined();
    await clock.advance(1000); // one anti-entropy round
    deliver();
    expect(b.lot.cars().map((c) => c.plate)).toEqual(['NEW']);
  });

  it('Backpressure_ADroppedPushIsRepairedByAFullResyncOnceTheLinkDrains', async () => {
    const { clock, a, b, deliver } = pair();
    a.replicator.addLink(a.link);
    b.replicator.addLink(b.link);
    deliver();
    a.link.dropping = true;
    a.link.emit('overflow');
    a.lot.enter(car('DROPPED'));
    await clock.advance(0);
    expect(b.link.inbox).toEqual([]);
    a.link.dropping = false;
    a.link.emit('drain');
    deliver();
    expect(b.lot.carOf('DROPPED')).toBeDefined();
  });

  it('BadBytes_AreAProtocolError_AndChangeNothing', () => {
    const { a } = pair();
    a.replicator.addLink(a.link);
    expect(() => a.replicator.handle(a.link, MessageType.SYNC, new Uint8Array([0, 0, 9]))).toThrow(expect.objectContaining({ code: 'ERR_PROTOCOL' }));
    expect(() => a.replicator.handle(a.link, MessageType.SYNC, new Uint8Array([0, 0, 2, 3, 1, 2, 3]))).toThrow(expect.objectContaining({ code: 'ERR_PROTOCOL' }));
    expect(a.lot.occupied).toBe(0);
  });

  it('RemoteChanges_CarryThePeerAsOrigin', () => {
    const { a, b, deliver } = pair();
    let origin: unknown;
    b.lot.on('car:entered', (_c, info) => (origin = info.origin));
    a.replicator.addLink(a.link);
    b.replicator.addLink(b.link);
    a.lot.enter(car('O'));
    deliver();
    expect(origin).toBeInstanceOf(RemoteOrigin);
    expect((origin as RemoteOrigin).peer).toBe('a');
  });
});
