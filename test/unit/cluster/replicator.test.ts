/**
 * The replicator between two replicas joined by a hand-driven link pair: what is pushed, what is
 * acknowledged, what anti-entropy and a resync repair, and what a bad message does.
 */
import { describe, expect, it } from 'vitest';
import { pair } from '../../support/link-pair.js';
import { RemoteOrigin } from '../../../src/cluster/replicator.js';
import { MessageType } from '../../../src/message-types.js';

const car = (plate: string) => ({ plate, gate: 1, enteredAt: 1, node: 'x' });

describe('Replicator', () => {
  it('SyncOnLink_BothSidesCatchUpInOneExchange_AndReportSynced', () => {
    const { a, b, deliver } = pair();
    a.lot.enter(car('A1'));
    b.lot.enter(car('B1'));
    const synced: string[] = [];
    a.replicator.on('peer:state-received', (link) => synced.push(`a<-${link.remote.name}`));
    b.replicator.on('peer:state-received', (link) => synced.push(`b<-${link.remote.name}`));
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
    expect(() => a.replicator.handle(a.link, MessageType.SYNC, new Uint8Array([0, 0, 9]))).toThrow(
      expect.objectContaining({ code: 'ERR_PROTOCOL' }),
    );
    expect(() => a.replicator.handle(a.link, MessageType.SYNC, new Uint8Array([0, 0, 2, 3, 1, 2, 3]))).toThrow(
      expect.objectContaining({ code: 'ERR_PROTOCOL' }),
    );
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
