/**
 * Membership, placement and convergence of real Node objects on the in-memory network with a fake
 * clock: the specification of what a node sees when peers die, go silent, or are cut off and return.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Node } from '../../../src/node.js';
import { meshed, memoryCluster, type MemoryCluster } from '../../support/memory-cluster.js';

let cluster: MemoryCluster | undefined;
afterEach(async () => {
  await cluster?.stopAll();
  cluster = undefined;
});

async function statusOf(node: Node, name: string): Promise<string | undefined> {
  return (await node.cluster()).members.find((m) => m.name === name)?.status;
}

async function ownersSeenBy(node: Node): Promise<Array<string | null>> {
  return (await node.cluster()).gates.map((g) => g.node);
}

describe('membership and gates on the memory network', () => {
  it('Join_AllNodesSeeEachOtherAlive_AndAgreeOnTheGateTable', async () => {
    cluster = await memoryCluster(['a', 'b', 'c']);
    await meshed(cluster, ['a', 'b', 'c']);
    const tables = await Promise.all(['a', 'b', 'c'].map((n) => ownersSeenBy(cluster!.node(n))));
    expect(tables[1]).toEqual(tables[0]);
    expect(tables[2]).toEqual(tables[0]);
    expect(new Set(tables[0]).size).toBeGreaterThan(1);
  });

  it('Crash_PeersSeeTheClosedLinkAtOnce_AndTakeOverItsGates', async () => {
    cluster = await memoryCluster(['a', 'b', 'c']);
    await meshed(cluster, ['a', 'b', 'c']);
    const { clock } = cluster;
    await clock.run(cluster.node('a').trackEntry('SAFE 1', 1));
    cluster.network.crash('c');
    await clock.advance(20); // far below the failure timeout: the closed link alone tells
    expect(await statusOf(cluster.node('a'), 'c')).toBe('dead');
    expect(await ownersSeenBy(cluster.node('a'))).not.toContain('c');
    expect(await ownersSeenBy(cluster.node('b'))).toEqual(await ownersSeenBy(cluster.node('a')));
    for (let gate = 1; gate <= 4; gate++) await clock.run(cluster.node('b').trackEntry(`AFTER ${gate}`, gate));
    expect((await cluster.node('a').read()).occupied).toBe(5);
  });

  it('Silence_PeerIsSuspectFirst_GatesStay_ThenDead_ALoneSurvivorIsFencedUntilTheHeal', async () => {
    cluster = await memoryCluster(['a', 'b']);
    await meshed(cluster, ['a', 'b']);
    const { clock, network } = cluster;
    const before = await ownersSeenBy(cluster.node('a'));
    network.partition(['a'], ['b']);
    await clock.advance(400); // past suspectTimeoutMs (300), before failureTimeoutMs (600)
    expect(await statusOf(cluster.node('a'), 'b')).toBe('suspect');
    expect(await ownersSeenBy(cluster.node('a'))).toEqual(before);
    await clock.advance(400);
    expect(await statusOf(cluster.node('a'), 'b')).toBe('dead');
    // Each side lost every peer: it cannot tell a dead peer from a partition, so it runs no gate.
    for (const name of ['a', 'b']) {
      expect(new Set(await ownersSeenBy(cluster.node(name)))).toEqual(new Set([null]));
      expect(cluster.node(name).readiness().ready).toBe(false);
      expect(cluster.node(name).readiness().reason).toMatch(/^fenced \(lost every peer\)/);
      await expect(clock.run(cluster.node(name).trackEntry('FENCED 1', 1))).rejects.toMatchObject({ code: 'ERR_GATE_UNAVAILABLE' });
    }
    network.heal();
    await meshed(cluster, ['a', 'b']);
    expect(new Set(await ownersSeenBy(cluster.node('a')))).toEqual(new Set(before));
  });

  it('Partition_BothSidesKeepWriting_HealConvergesEveryReplicaAndOneOwnerPerGate', async () => {
    cluster = await memoryCluster(['a', 'b', 'c', 'd', 'e'], { seed: 7 });
    const names = ['a', 'b', 'c', 'd', 'e'];
    await meshed(cluster, names);
    const { clock, network } = cluster;
    network.partition(['a', 'b', 'c'], ['d', 'e']);
    await clock.advance(1000);
    for (let i = 0; i < 8; i++) {
      await clock.run(cluster.node('a').trackEntry(`LEFT ${i}`, (i % 4) + 1));
      await clock.run(cluster.node('e').trackEntry(`RIGHT ${i}`, (i % 4) + 1));
    }
    // The same plate enters on both sides: two visits, shown once after the heal.
    await clock.run(cluster.node('b').trackEntry('BOTH 1', 1));
    await clock.run(cluster.node('d').trackEntry('BOTH 1', 2));
    network.heal();
    await meshed(cluster, names);
    await clock.until(async () => {
      const lots = await Promise.all(names.map(async (n) => JSON.stringify(await cluster!.node(n).read())));
      return new Set(lots).size === 1;
    });
    const lot = await cluster.node('c').read();
    expect(lot.occupied).toBe(17);
    const tables = await Promise.all(names.map((n) => ownersSeenBy(cluster!.node(n))));
    for (const table of tables) expect(table).toEqual(tables[0]);
    await clock.run(cluster.node('e').trackExit('BOTH 1', 3));
    for (const n of names) expect((await cluster.node(n).read()).cars.map((c) => c.plate)).not.toContain('BOTH 1');
  });

  it('Leave_PeersMarkTheNodeLeft_AndMoveItsGatesWithNoWait', async () => {
    cluster = await memoryCluster(['a', 'b', 'c']);
    await meshed(cluster, ['a', 'b', 'c']);
    const { clock } = cluster;
    await clock.run(cluster.node('c').stop());
    await clock.advance(5);
    expect(await statusOf(cluster.node('a'), 'c')).toBe('left');
    expect(await ownersSeenBy(cluster.node('a'))).not.toContain('c');
  });

  it('Forwarding_CommandAtAnyNodeRunsOnTheGateOwner', async () => {
    cluster = await memoryCluster(['a', 'b', 'c']);
    await meshed(cluster, ['a', 'b', 'c']);
    const { clock } = cluster;
    const table = (await cluster.node('a').cluster()).gates;
    for (const { gate, node } of table) {
      const car = await clock.run(cluster.node('a').trackEntry(`FWD ${gate}`, gate));
      expect(car.node).toBe(node);
    }
  });

  it('OutcomeUnknown_WhenTheOwnerIsCutOffAfterTheCommandWasSent_TheCommandFailsWithACode', async () => {
    cluster = await memoryCluster(['a', 'b'], { config: { commandDeadlineMs: 200, failureTimeoutMs: 5000, suspectTimeoutMs: 2000 } });
    await meshed(cluster, ['a', 'b']);
    const { clock, network } = cluster;
    const gateOfB = (await cluster.node('a').cluster()).gates.find((g) => g.node === 'b')?.gate;
    expect(gateOfB).toBeDefined();
    network.partition(['a'], ['b']);
    // The COMMAND left on the link: b may have applied it. Not "unavailable", which says nothing was done.
    await expect(clock.run(cluster.node('a').trackEntry('LOST 1', gateOfB!))).rejects.toMatchObject({ code: 'ERR_OUTCOME_UNKNOWN' });
  });

  it('Rejoin_ARestartedNodeWithTheSameNameCatchesUp', async () => {
    cluster = await memoryCluster(['a', 'b']);
    await meshed(cluster, ['a', 'b']);
    const { clock, network } = cluster;
    for (let i = 0; i < 5; i++) await clock.run(cluster.node('a').trackEntry(`OLD ${i}`, 1));
    network.crash('b');
    await clock.advance(10);
    cluster.nodes.delete('b');
    const b2 = await cluster.add('b');
    await meshed(cluster, ['a', 'b']);
    await clock.until(async () => (await b2.read()).occupied === 5);
    expect((await cluster.node('a').cluster()).members.find((m) => m.name === 'b')?.incarnation).toBe(b2.incarnation);
  });

  it('Join_ANewNodeRunsNoGateUntilItsReplicaHoldsTheLot_AndNoPeerPlacesOneOnItBefore', async () => {
    cluster = await memoryCluster(['a']);
    const { clock, network } = cluster;
    for (let i = 0; i < 40; i++) await clock.run(cluster.node('a').trackEntry(`OLD ${i}`, (i % 4) + 1));
    network.latencyMs = 20;
    const violations: string[] = [];
    const check = (who: string) => (move: { gate: number; to: string | null }) => {
      if (move.to === 'b' && cluster!.node('a').lot.occupied !== 40) violations.push(`${who}: a not ready`);
      const b = cluster!.nodes.get('b');
      if (move.to === 'b' && b !== undefined && b.lot.occupied !== 40)
        violations.push(`${who} placed gate ${move.gate} on b holding ${b.lot.occupied} cars`);
    };
    cluster.node('a').on('gate:moved', check('a'));
    const b = await cluster.add('b');
    b.on('gate:moved', check('b'));
    await meshed(cluster, ['a', 'b']);
    expect((await b.cluster()).gates.some((g) => g.node === 'b')).toBe(true);
    expect(violations).toEqual([]);
  });
});
