/**
 * Membership, driven by its handlers directly (memberlist's state-machine tests): links come and go
 * through the registrar, silences pass on a fake clock, and each test reads as one rule.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Membership } from '../../../src/cluster/membership.js';
import { silentLogger } from '../../../src/log.js';
import { MessageType } from '../../../src/message-types.js';
import { Registrar } from '../../../src/transport/registrar.js';
import type { LinkStats, PeerIdentity, PeerLink } from '../../../src/transport/types.js';
import { FakeClock } from '../../support/fake-clock.js';

/** A link whose traffic the test reads: pings and sends are recorded, close is remembered. */
class FakeLink extends EventEmitter implements PeerLink {
  readonly direction = 'outbound' as const;
  readonly bufferedAmount = 0;
  readonly stats = {} as LinkStats;
  open = true;
  pings = 0;
  sent: number[] = [];
  closedWith: string | undefined;
  constructor(
    readonly remote: PeerIdentity,
    readonly id = `${remote.name}-${remote.incarnation}`,
  ) {
    super();
  }
  ping(): void {
    this.pings++;
  }
  send(type: number): boolean {
    this.sent.push(type);
    return this.open;
  }
  close(reason = 'closed'): void {
    this.open = false;
    this.closedWith = reason;
  }
}

const peer = (name: string, incarnation = 'i1'): PeerIdentity => ({ cluster: 'c', name, incarnation, url: `http://${name}` });

function setup(selfReady = true) {
  const clock = new FakeClock();
  const registrar = new Registrar({ logger: silentLogger() });
  const membership = new Membership({
    self: peer('self'),
    clock,
    logger: silentLogger(),
    registrar,
    selfReady,
    heartbeatIntervalMs: 100,
    suspectTimeoutMs: 300,
    failureTimeoutMs: 600,
  });
  const events: string[] = [];
  for (const e of ['member:up', 'member:suspect', 'member:down', 'member:left'] as const)
    membership.on(e, (m) => events.push(`${e} ${m.name}`));
  const views: string[][] = [];
  membership.on('view:changed', (names) => views.push(names));
  const up = (link: FakeLink) => {
    registrar.linkUp(link);
    return link;
  };
  return { clock, registrar, membership, events, views, up };
}

const statusOf = (m: Membership, name: string) => m.view().find((v) => v.name === name)?.status;

describe('Membership', () => {
  it('LinkUp_MemberIsAlive_ButNotPlacedUntilItSaysSynced', () => {
    const { membership, events, up } = setup();
    const link = up(new FakeLink(peer('b')));
    expect(events).toEqual(['member:up b']);
    expect(statusOf(membership, 'b')).toBe('alive');
    expect(membership.placementNames()).toEqual(['self']);
    membership.peerSynced(link);
    expect(membership.placementNames()).toEqual(['b', 'self']);
  });

  it('PeerSynced_OnAnOldLink_IsIgnored', () => {
    const { membership, registrar, up } = setup();
    const old = up(new FakeLink(peer('b')));
    registrar.linkDown(old, 'closed');
    up(new FakeLink(peer('b')));
    membership.peerSynced(old);
    expect(membership.placementNames()).toEqual(['self']);
  });

  it('SelfNotReady_SelfIsLeftOutOfPlacement_UntilItJoins', () => {
    const { membership, views } = setup(false);
    expect(membership.placementNames()).toEqual([]);
    membership.setSelfReady(true);
    expect(views).toEqual([['self']]);
  });

  it('Heartbeat_EveryTickPingsEveryLiveLink', async () => {
    const { clock, membership, up } = setup();
    const link = up(new FakeLink(peer('b')));
    membership.start();
    await clock.advance(250);
    expect(link.pings).toBe(2);
    membership.stop();
  });

  it('Silence_SuspectAfterSuspectTimeout_GatesStay_DeadAfterFailureTimeout_LinkClosed', async () => {
    const { clock, membership, events, up } = setup();
    const link = up(new FakeLink(peer('b')));
    membership.peerSynced(link);
    membership.start();
    await clock.advance(350);
    expect(statusOf(membership, 'b')).toBe('suspect');
    expect(membership.placementNames()).toEqual(['b', 'self']);
    await clock.advance(300);
    expect(statusOf(membership, 'b')).toBe('dead');
    expect(membership.placementNames()).toEqual(['self']);
    expect(link.closedWith).toBe('heartbeat-timeout');
    expect(events).toEqual(['member:up b', 'member:suspect b', 'member:down b']);
    membership.stop();
  });

  it('Activity_OnTheLink_KeepsTheMemberAlive_AndRefutesASuspicion', async () => {
    const { clock, membership, events, up } = setup();
    const link = up(new FakeLink(peer('b')));
    membership.start();
    await clock.advance(350);
    expect(statusOf(membership, 'b')).toBe('suspect');
    link.emit('activity');
    expect(statusOf(membership, 'b')).toBe('alive');
    for (let i = 0; i < 10; i++) {
      await clock.advance(200);
      link.emit('activity');
    }
    expect(statusOf(membership, 'b')).toBe('alive');
    expect(events).toEqual(['member:up b', 'member:suspect b', 'member:up b']);
    membership.stop();
  });

  it('LinkDown_MemberIsDeadAtOnce', () => {
    const { membership, registrar, events, up } = setup();
    const link = up(new FakeLink(peer('b')));
    registrar.linkDown(link, 'closed');
    expect(statusOf(membership, 'b')).toBe('dead');
    expect(events).toEqual(['member:up b', 'member:down b']);
  });

  it('Leave_AsAMessageOrAsTheCloseReason_MemberHasLeft', () => {
    const { membership, registrar, events, up } = setup();
    const b = up(new FakeLink(peer('b')));
    registrar.dispatch(b, MessageType.LEAVE, new Uint8Array());
    const c = up(new FakeLink(peer('c')));
    registrar.linkDown(c, 'leave');
    expect([statusOf(membership, 'b'), statusOf(membership, 'c')]).toEqual(['left', 'left']);
    expect(events).toEqual(['member:up b', 'member:left b', 'member:up c', 'member:left c']);
  });

  it('BeforeStop_AnnouncesLeaveOnEveryOpenLink', () => {
    const { membership, up } = setup();
    const b = up(new FakeLink(peer('b')));
    const c = up(new FakeLink(peer('c')));
    c.open = false;
    membership.beforeStop();
    expect(b.sent).toEqual([MessageType.LEAVE]);
    expect(c.sent).toEqual([]);
  });

  it('LinkReplaced_MemberKeepsItsStanding_AndSpeaksOnTheKeptLink', () => {
    const { membership, registrar, events, up } = setup();
    const first = up(new FakeLink(peer('b'), 'first'));
    membership.peerSynced(first);
    const kept = new FakeLink(peer('b'), 'kept');
    registrar.linkReplaced(first, kept);
    expect(events).toEqual(['member:up b']);
    expect(membership.placementNames()).toEqual(['b', 'self']);
    expect(membership.linkOf('b')).toBe(kept);
  });

  it('Admit_OwnNameOrALiveNameOfAnotherIncarnation_IsRefusedAsDuplicateName', () => {
    const { membership, up } = setup();
    up(new FakeLink(peer('b', 'i1')));
    expect(membership.admit(peer('self', 'x'), { existing: [] })).toMatchObject({ ok: false, reason: 'duplicate-name' });
    expect(membership.admit(peer('b', 'i2'), { existing: [] })).toMatchObject({ ok: false, reason: 'duplicate-name' });
    expect(membership.admit(peer('c'), { existing: [] })).toEqual({ ok: true });
  });

  it('Admit_ARestartedNodeWhoseOldIncarnationIsDead_IsLetIn', () => {
    const { membership, registrar, up } = setup();
    const old = up(new FakeLink(peer('b', 'i1')));
    registrar.linkDown(old, 'closed');
    expect(membership.admit(peer('b', 'i2'), { existing: [] })).toEqual({ ok: true });
    up(new FakeLink(peer('b', 'i2')));
    expect(statusOf(membership, 'b')).toBe('alive');
  });

  it('Retention_DeadMembersAreForgottenAfterAnHour', async () => {
    const { clock, membership, registrar, up } = setup();
    registrar.linkDown(up(new FakeLink(peer('b'))), 'closed');
    membership.start();
    await clock.advance(3_600_100);
    expect(statusOf(membership, 'b')).toBeUndefined();
    membership.stop();
  });

  it('Stall_AHeartbeatRoundRunningLate_JudgesNoPeerAndSaysTheNodeStalled', () => {
    const { clock, membership, events, up } = setup();
    const stalls: number[] = [];
    membership.on('self:stalled', ({ gapMs }) => stalls.push(gapMs));
    const link = up(new FakeLink(peer('b')));
    membership.start();
    clock.advanceSync(200);
    expect(stalls).toEqual([]);
    // The process stops for ten failure timeouts; on resume the timer runs before any socket is read.
    clock.jump(6000);
    clock.advanceSync(1);
    expect(stalls).toHaveLength(1);
    expect(stalls[0]).toBeGreaterThanOrEqual(6000);
    expect(statusOf(membership, 'b')).toBe('alive');
    expect(link.open).toBe(true);
    expect(events).toEqual(['member:up b']);
    // The peer gets a full failure timeout from the resume to be heard from; silent that long, it is dead.
    clock.advanceSync(700);
    expect(statusOf(membership, 'b')).toBe('dead');
  });

  it('Stall_ADecisionAfterAPause_SeesTheStallBeforeTheOverdueHeartbeatRuns', () => {
    const { clock, membership } = setup();
    const stalls: number[] = [];
    membership.on('self:stalled', ({ gapMs }) => stalls.push(gapMs));
    membership.start();
    clock.advanceSync(250);
    expect(membership.checkStall()).toBe(false);
    // Resumed: a socket is read (a command arrives) before the overdue heartbeat timer fires.
    clock.jump(5000);
    expect(membership.checkStall()).toBe(true);
    expect(stalls).toHaveLength(1);
    // Once per stall: neither a second check nor the overdue heartbeat reports it again.
    expect(membership.checkStall()).toBe(false);
    clock.advanceSync(1);
    expect(stalls).toHaveLength(1);
  });
});
