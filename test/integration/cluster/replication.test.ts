import { afterEach, describe, expect, it } from 'vitest';
import type { Node } from '../../../src/node.js';
import { eventually } from '../../support/eventually.js';
import { startCluster, startNode } from '../../support/test-nodes.js';

let nodes: Node[] = [];
afterEach(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  nodes = [];
});

const allAlive = (ns: Node[]) =>
  eventually(
    async () => {
      for (const n of ns) {
        const view = await n.cluster();
        if (view.members.filter((m) => m.status === 'alive').length !== ns.length) return false;
        if (!n.readiness().ready) return false;
      }
      const tables = await Promise.all(ns.map(async (n) => JSON.stringify((await n.cluster()).gates.map((g) => g.node))));
      return new Set(tables).size === 1;
    },
    { message: 'every node sees every other alive and one gate table' },
  );

describe('a cluster of in-process nodes on real WebSockets', () => {
  it('a lone node runs every gate and accepts entries and exits', async () => {
    const [n1] = (nodes = [await startNode({ name: 'solo' })]);
    const car = await n1!.trackEntry(' abc  123 ', 2);
    expect(car).toMatchObject({ plate: 'ABC 123', gate: 2, node: 'solo' });
    expect((await n1!.cluster()).gates.every((g) => g.node === 'solo')).toBe(true);
    const exit = await n1!.trackExit('ABC 123', 1);
    expect(exit.car.plate).toBe('ABC 123');
    expect((await n1!.read()).occupied).toBe(0);
  });

  it('forms a full mesh from static peers, spreads the gates and replicates every entry to every node', async () => {
    nodes = await startCluster(3);
    await allAlive(nodes);
    const tables = await Promise.all(nodes.map(async (n) => JSON.stringify((await n.cluster()).gates.map((g) => [g.gate, g.node]))));
    expect(new Set(tables).size).toBe(1);
    for (let i = 0; i < 12; i++) await nodes[i % 3]!.trackEntry(`CAR ${i}`, (i % 4) + 1);
    // Acknowledged means on every linked peer already: no waiting needed.
    for (const n of nodes) expect((await n.read()).occupied).toBe(12);
    await nodes[1]!.trackExit('CAR 0', 3);
    for (const n of nodes) expect((await n.read()).cars.map((c) => c.plate)).not.toContain('CAR 0');
  });

  it('refuses an entry of a car already inside, whichever node takes it', async () => {
    nodes = await startCluster(2);
    await allAlive(nodes);
    await nodes[0]!.trackEntry('DUP 1', 1);
    await expect(nodes[1]!.trackEntry('dup 1', 2)).rejects.toMatchObject({ code: 'ERR_ALREADY_INSIDE' });
  });

  it('moves the gates of a stopped node to the survivors with no failed command', async () => {
    nodes = await startCluster(3);
    await allAlive(nodes);
    const [n1, n2, n3] = nodes as [Node, Node, Node];
    await n1.trackEntry('KEEP 1', 1);
    await n3.stop();
    await eventually(async () => (await n1.cluster()).gates.every((g) => g.node === 'n1' || g.node === 'n2'));
    for (let gate = 1; gate <= 4; gate++) await n2.trackEntry(`AFTER ${gate}`, gate);
    expect((await n1.read()).occupied).toBe(5);
    expect((await n1.cluster()).members.find((m) => m.name === 'n3')?.status).toBe('left');
  });

  it('catches up a node that joins late', async () => {
    const first = await startNode({ name: 'a' });
    nodes = [first];
    for (let i = 0; i < 50; i++) await first.trackEntry(`LATE ${i}`, 1);
    const late = await startNode({ name: 'b', discovery: 'static', peers: new URL(first.url).host });
    nodes.push(late);
    await eventually(async () => (await late.read()).occupied === 50);
    await eventually(() => late.readiness().ready);
  });
});
