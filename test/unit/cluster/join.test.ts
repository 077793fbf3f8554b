/**
 * The Join component, driven by hand: its collaborators are stand-ins whose facts (pending dials,
 * synced links, discovery rounds) the test sets, on a fake clock.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Dialer } from '../../../src/cluster/dialer.js';
import { Join } from '../../../src/cluster/join.js';
import type { Membership } from '../../../src/cluster/membership.js';
import type { Replicator } from '../../../src/cluster/replicator.js';
import type { Discovery } from '../../../src/discovery/types.js';
import type { GateClaims } from '../../../src/gates/claims.js';
import { silentLogger } from '../../../src/log.js';
import { Registrar } from '../../../src/transport/registrar.js';
import { FakeClock } from '../../support/fake-clock.js';

function setup(windowMs: number, firstRound?: Promise<void>) {
  const clock = new FakeClock();
  const facts = {
    pending: 0,
    synced: true,
    selfReady: false,
    announcing: false,
    added: [] as Array<[string, boolean]>,
    /** Linked peers, and whether each answered the fence's step 1. */
    linked: [] as string[],
    answered: false,
    /** Dead peers lost to silence (a heartbeat timeout), not seen to crash. */
    silent: [] as string[],
    /** Nodes a peer says run gates, with no link to this one. */
    unlinkedRunners: [] as string[],
  };
  const replicator = Object.assign(new EventEmitter(), {
    allSynced: () => facts.synced,
    startAnnouncing: () => (facts.announcing = true),
    stopAnnouncing: () => (facts.announcing = false),
    peerStateReceived: () => true,
    peerRunsGates: () => false,
    syncAll: () => new Map(),
    syncedSince: () => facts.answered,
  });
  const membership = Object.assign(new EventEmitter(), {
    setSelfReady: (r: boolean) => (facts.selfReady = r),
    liveNames: () => ['self', ...facts.linked],
    linkedMembers: () => facts.linked.map((name) => ({ name, link: {}, synced: true })),
    lostToSilence: () => facts.silent,
    peerSynced: () => undefined,
  });
  const claims = Object.assign(new EventEmitter(), { unlinkedRunners: () => facts.unlinkedRunners });
  const dialer = Object.assign(new EventEmitter(), {
    initialPending: () => facts.pending,
    add: (a: string, initial: boolean) => facts.added.push([a, initial]),
    remove: () => undefined,
  });
  const discovery = Object.assign(new EventEmitter(), {
    kind: 'static',
    joinWindowMs: windowMs,
    peers: () => [{ address: 'p:1' }],
    ...(firstRound === undefined ? {} : { firstRound: () => firstRound }),
  });
  const registrar = new Registrar({ logger: silentLogger() });
  const join = new Join({
    clock,
    logger: silentLogger(),
    registrar,
    replicator: replicator as unknown as Replicator,
    membership: membership as unknown as Membership,
    dialer: dialer as unknown as Dialer,
    discovery: discovery as unknown as Discovery,
    claims: claims as unknown as GateClaims,
  });
  return { clock, facts, join, dialer, discovery, replicator, membership, claims };
}

describe('Join', () => {
  it('Join_NothingToWaitFor_JoinsAfterStartAndTellsMembershipAndReplicator', () => {
    const { join, facts } = setup(0);
    join.start();
    expect(join.state).toBe('starting');
    join.afterStart();
    expect(join.state).toBe('joined');
    expect(facts.selfReady).toBe(true);
    expect(facts.announcing).toBe(true);
  });

  it('Join_BeforeAfterStart_NeverJoinsHoweverOftenChecked', () => {
    const { join } = setup(0);
    join.check();
    expect(join.joined).toBe(false);
  });

  it('Join_PeersKnownAtStart_AreDialedAsPeersToWaitFor', () => {
    const { join, facts } = setup(0);
    join.afterStart();
    expect(facts.added).toEqual([['p:1', true]]);
  });

  it('Join_WithAWindow_WaitsForIt_ThenJoinsByItself', async () => {
    const { join, clock } = setup(1500);
    join.afterStart();
    expect(join.state).toBe('joining');
    await clock.advance(1499);
    expect(join.joined).toBe(false);
    await clock.advance(10);
    expect(join.joined).toBe(true);
  });

  it('Join_PendingDialsAndUnsyncedLinks_JoinsOnTheEventThatClearsTheLast', () => {
    const { join, facts, dialer, replicator } = setup(0);
    facts.pending = 1;
    join.afterStart();
    expect(join.joined).toBe(false);
    facts.pending = 0;
    facts.synced = false;
    dialer.emit('dial:attempted');
    expect(join.joined).toBe(false);
    facts.synced = true;
    replicator.emit('peer:state-received', {});
    expect(join.joined).toBe(true);
  });

  it('Join_FirstDiscoveryRound_IsWaitedForHoweverLateItEnds', async () => {
    let end!: () => void;
    const { join, clock } = setup(0, new Promise<void>((resolve) => (end = resolve)));
    join.afterStart();
    await clock.advance(10_000);
    expect(join.joined).toBe(false);
    end();
    await clock.advance(0);
    expect(join.joined).toBe(true);
  });

  it('Join_PeersFoundAfterJoining_AreDialedButNotWaitedFor', () => {
    const { join, facts, discovery } = setup(0);
    join.afterStart();
    discovery.emit('peer:found', { address: 'late:1' });
    expect(facts.added).toContainEqual(['late:1', false]);
  });

  it('Join_Stopped_BeforeJoining_NeverJoins', async () => {
    const { join, clock } = setup(1000);
    join.afterStart();
    join.stop();
    await clock.advance(2000);
    expect(join.state).toBe('stopped');
  });

  it('Fence_AStalledNode_RunsNoGateAndSaysNoSynced_UntilEveryLinkedPeerAnsweredItsStep1', () => {
    const { join, facts, membership, replicator } = setup(0);
    facts.linked = ['b'];
    join.afterStart();
    expect(join.state).toBe('joined');
    membership.emit('self:stalled', { gapMs: 5000 });
    expect(join.state).toBe('fenced');
    expect(join.fenceReason).toBe('stalled for 5000 ms');
    expect(facts.selfReady).toBe(false);
    expect(facts.announcing).toBe(false);
    replicator.emit('peer:step2', {});
    expect(join.state).toBe('fenced');
    facts.answered = true;
    replicator.emit('peer:step2', {});
    expect(join.state).toBe('joined');
    expect(facts.selfReady).toBe(true);
    expect(facts.announcing).toBe(true);
  });

  it('Fence_ALoneNodeThatStalls_IsNotFenced_NorOneLeftAloneByCrashes', () => {
    const { join, membership } = setup(0);
    join.afterStart();
    membership.emit('self:stalled', { gapMs: 5000 });
    expect(join.state).toBe('joined');
    // b's socket closed (its process died): it runs nothing, this node carries on.
    membership.emit('member:down', { name: 'b' });
    expect(join.state).toBe('joined');
  });

  it('Fence_ANodeLeftAloneAfterASilence_StaysFencedUntilAPeerIsBack', () => {
    const { join, facts, membership } = setup(0);
    join.afterStart();
    facts.silent = ['b'];
    membership.emit('member:down', { name: 'b' });
    expect(join.state).toBe('fenced');
    expect(join.fenceReason).toBe('lost every peer');
    facts.answered = true;
    join.onLinkUp();
    expect(join.state).toBe('fenced');
    facts.linked = ['b'];
    join.onLinkUp();
    expect(join.state).toBe('joined');
  });

  it('Join_APeerRelaysARunnerNotLinkedHere_WaitsUntilThatRunnerIsLinked', () => {
    const { join, facts, claims } = setup(0);
    facts.linked = ['b'];
    facts.unlinkedRunners = ['c'];
    join.afterStart();
    expect(join.state).toBe('joining');
    expect(join.waitingFor()).toEqual(['c']);
    facts.unlinkedRunners = [];
    claims.emit('claims:changed');
    expect(join.state).toBe('joined');
  });

  it('Fence_ARunnerStillUnlinkedAfterTheResync_KeepsTheNodeFencedUntilItLinks', () => {
    // The pause case: a thawed node re-links to its peers one by one; one of them (b) answers first
    // and relays that c runs a gate. c may have acknowledged writes while this node was away, to peers
    // other than this one: the node decides nothing before c's link and step 2 are here.
    const { join, facts, membership, claims } = setup(0);
    facts.linked = ['b'];
    join.afterStart();
    membership.emit('self:stalled', { gapMs: 5000 });
    facts.answered = true;
    facts.unlinkedRunners = ['c'];
    claims.emit('claims:changed');
    expect(join.state).toBe('fenced');
    facts.linked = ['b', 'c'];
    facts.unlinkedRunners = [];
    join.onLinkUp();
    expect(join.state).toBe('joined');
  });
});
