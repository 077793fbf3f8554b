/**
 * Several real `parking start` processes on loopback: they form one cluster (static peers, or by
 * default through mDNS scoped to this machine), hold one lot, and lose no acknowledged car when the
 * node running a gate is killed or stopped.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cli, killAll, startProcess, type NodeProcess } from '../../support/cluster-processes.js';
import { eventually } from '../../support/eventually.js';

afterEach(killAll);

async function meshed(nodes: NodeProcess[]): Promise<void> {
  await eventually(
    async () => {
      for (const node of nodes) {
        const view = await node.client.cluster();
        const alive = view.members.filter((m) => m.status === 'alive').map((m) => m.name);
        if (!nodes.every((n) => alive.includes(n.name))) return false;
        if (!(await node.client.ready()).ready) return false;
      }
      const tables = await Promise.all(nodes.map(async (n) => JSON.stringify((await n.client.cluster()).gates.map((g) => g.node))));
      return new Set(tables).size === 1;
    },
    { timeoutMs: 20_000, message: 'every node sees every other alive' },
  );
}

async function staticCluster(n: number, extra: string[] = []): Promise<NodeProcess[]> {
  const first = await startProcess(['--port', '0', '--name', 'p1', '--discovery', 'none', ...extra]);
  const nodes = [first];
  for (let i = 2; i <= n; i++) {
    nodes.push(
      await startProcess([
        '--port',
        '0',
        '--name',
        `p${i}`,
        '--discovery',
        'static',
        '--peers',
        nodes.map((x) => x.host).join(','),
        ...extra,
      ]),
    );
  }
  await meshed(nodes);
  return nodes;
}

async function ownerOf(node: NodeProcess, gate: number): Promise<string | null> {
  return (await node.client.cluster()).gates.find((g) => g.gate === gate)?.node ?? null;
}

describe('a cluster of real processes on loopback', () => {
  it('three nodes with static peers hold one lot: entries by the CLI at each node, the same read everywhere', async () => {
    const nodes = await staticCluster(3);
    for (const [i, node] of nodes.entries()) {
      const result = await cli(['track-entry', `cli ${i}`, String(i + 1), '--node', node.url]);
      expect(result.code, result.stderr).toBe(0);
    }
    const reads = await Promise.all(nodes.map((n) => cli(['read', '--json', '--node', n.url])));
    const lots = reads.map((r) => JSON.parse(r.stdout) as { cars: Array<{ plate: string }> });
    expect(lots[0]!.cars.map((c) => c.plate).sort()).toEqual(['CLI 0', 'CLI 1', 'CLI 2']);
    expect(lots[1]).toEqual(lots[0]);
    expect(lots[2]).toEqual(lots[0]);
  });

  it('three nodes with no discovery flags find each other by mDNS on this machine', async () => {
    const cluster = `test-${process.pid}`;
    const nodes = [
      // No discovery flag: mDNS on loopback is the default. A cluster name of its own keeps a developer's
      // `npm start` node on this machine out of the test (and the test out of it).
      await startProcess(['--port', '0', '--name', 'd1'], { PARKING_CLUSTER: cluster }),
      await startProcess(['--port', '0', '--name', 'd2'], { PARKING_CLUSTER: cluster }),
      await startProcess(['--port', '0', '--name', 'd3'], { PARKING_CLUSTER: cluster }),
    ];
    await meshed(nodes);
    await nodes[0]!.client.trackEntry('MDNS 1', 1);
    expect((await nodes[2]!.client.read()).cars.map((c) => c.plate)).toEqual(['MDNS 1']);
  });

  it('SIGKILL of the node running gate 1: its gates run on survivors, gate 1 works again, no acknowledged car is lost', async () => {
    const nodes = await staticCluster(3);
    const acknowledged: string[] = [];
    for (let i = 0; i < 30; i++) {
      const car = await nodes[i % 3]!.client.trackEntry(`KILL ${i}`, (i % 4) + 1);
      acknowledged.push(car.plate);
    }
    const victimName = await ownerOf(nodes[0]!, 1);
    const victim = nodes.find((n) => n.name === victimName)!;
    const survivors = nodes.filter((n) => n !== victim);
    await victim.kill('SIGKILL');
    await eventually(async () => {
      for (const s of survivors) {
        const owners = (await s.client.cluster()).gates.map((g) => g.node);
        if (owners.includes(victim.name) || owners.includes(null)) return false;
      }
      return true;
    });
    const car = await survivors[0]!.client.trackEntry('AFTER KILL', 1);
    expect(survivors.map((s) => s.name)).toContain(car.node);
    for (const s of survivors) {
      const plates = (await s.client.read()).cars.map((c) => c.plate);
      for (const plate of acknowledged) expect(plates).toContain(plate);
    }
  });

  it('SIGTERM of a node: it leaves, its gates move, and commands at the other nodes never fail', async () => {
    const nodes = await staticCluster(3);
    const leaving = nodes[2]!;
    const staying = nodes.slice(0, 2);
    let stop = false;
    const failures: string[] = [];
    let done = 0;
    const load = (async () => {
      for (let i = 0; !stop && i < 2000; i++) {
        const node = staying[i % 2]!;
        const gate = (i % 4) + 1;
        try {
          await node.client.trackEntry(`TERM ${i}`, gate);
          await node.client.trackExit(`TERM ${i}`, ((i + 1) % 4) + 1);
          done++;
        } catch (err) {
          failures.push(`${i} gate ${gate}: ${(err as Error).message}`);
        }
      }
    })();
    await eventually(() => done >= 10);
    expect(await leaving.kill('SIGTERM')).toBe(0);
    const after = done;
    await eventually(() => done >= after + 20);
    stop = true;
    await load;
    expect(failures).toEqual([]);
    for (const s of staying) {
      const member = (await s.client.cluster()).members.find((m) => m.name === leaving.name);
      expect(member?.status).toBe('left');
    }
  });

  it('a node restarted with the same name rejoins and catches up', async () => {
    const nodes = await staticCluster(2);
    const [p1, p2] = nodes as [NodeProcess, NodeProcess];
    await p2.kill('SIGKILL');
    for (let i = 0; i < 20; i++) await p1.client.trackEntry(`MISSED ${i}`, 1 + (i % 4));
    const again = await startProcess(['--port', '0', '--name', 'p2', '--discovery', 'static', '--peers', p1.host]);
    await meshed([p1, again]);
    expect((await again.client.read()).occupied).toBe(20);
  });

  it('refuses a peer with the wrong cookie, and a second live node with a name already in the cluster', async () => {
    const [p1] = await staticCluster(1);
    const intruder = await startProcess([
      '--port',
      '0',
      '--name',
      'x1',
      '--discovery',
      'static',
      '--peers',
      p1!.host,
      '--cookie',
      'not-the-cookie',
    ]);
    await eventually(() => /bad-cookie/.test(p1!.stderr()) && /bad-cookie/.test(intruder.stderr()));
    const twin = await startProcess(['--port', '0', '--name', 'p1', '--discovery', 'static', '--peers', p1!.host]);
    await eventually(() => /duplicate-name/.test(p1!.stderr()) || /duplicate-name/.test(twin.stderr()));
    const view = await p1!.client.cluster();
    expect(view.members.map((m) => m.name)).toEqual(['p1']);
    // The node kept running through both.
    expect((await p1!.client.trackEntry('STILL UP', 1)).plate).toBe('STILL UP');
  });
});
