/**
 * A cluster of real Node objects on the in-memory network and a fake clock: partitions, heals,
 * crashes and time are in the test's hands, and a run is deterministic for a given seed.
 */
import { EventEmitter } from 'node:events';
import { loadConfig, type Config } from '../../src/config/index.js';
import type { DiscoveredPeer, Discovery, DiscoveryEvents } from '../../src/discovery/types.js';
import { silentLogger } from '../../src/log.js';
import { createNode, type Node } from '../../src/node.js';
import { seededRandom } from '../../src/random.js';
import { MemoryNetwork } from '../../src/transport/memory-transport.js';
import { FakeClock } from './fake-clock.js';
import { pino } from 'pino';

/** Discovery that knows a fixed, changeable list of addresses. */
export class ListDiscovery extends EventEmitter<DiscoveryEvents> implements Discovery {
  readonly kind = 'static' as const;
  private list: DiscoveredPeer[];
  constructor(addresses: string[]) {
    super();
    this.list = addresses.map((address) => ({ address }));
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  peers(): DiscoveredPeer[] {
    return [...this.list];
  }
  add(address: string): void {
    this.list.push({ address });
    this.emit('peer:found', { address });
  }
}

export interface MemoryCluster {
  clock: FakeClock;
  network: MemoryNetwork;
  nodes: Map<string, Node>;
  seed: number;
  /** Starts a node named `name` that discovers the addresses of every node started so far. */
  add(name: string, overrides?: Partial<Record<keyof Config, unknown>>): Promise<Node>;
  node(name: string): Node;
  stopAll(): Promise<void>;
}

const address = (name: string) => `memory://${name}`;

export async function memoryCluster(
  names: string[],
  options: { seed?: number; config?: Partial<Record<keyof Config, unknown>> } = {},
): Promise<MemoryCluster> {
  const seed = options.seed ?? 1;
  const clock = new FakeClock();
  const random = seededRandom(seed);
  const network = new MemoryNetwork({ clock, random, latencyMs: 1 });
  const nodes = new Map<string, Node>();
  const logger = process.env.PARKING_TEST_LOG !== undefined ? pino({ level: process.env.PARKING_TEST_LOG }) : silentLogger();

  const cluster: MemoryCluster = {
    clock,
    network,
    nodes,
    seed,
    async add(name, overrides = {}) {
      // The test preset (config/presets/test.yaml) holds the timings every test runs with.
      const config = loadConfig({ env: {}, preset: 'test', flags: { name, ...options.config, ...overrides } });
      const known = [...nodes.keys()].map(address);
      const node = await createNode(config, {
        logger: logger.child({ node: name }),
        clock,
        random: seededRandom(seed * 1000 + nodes.size),
        createTransport: (identity, admit) =>
          network.createTransport({ identity, cookie: config.cookie, admit, address: address(name), logger }),
        createDiscovery: () => new ListDiscovery(known),
      });
      await node.start();
      nodes.set(name, node);
      return node;
    },
    node(name) {
      const node = nodes.get(name);
      if (node === undefined) throw new Error(`no node ${name}`);
      return node;
    },
    async stopAll() {
      await Promise.all([...nodes.values()].map((n) => clock.run(n.stop())));
    },
  };
  for (const name of names) await cluster.add(name);
  return cluster;
}

/**
 * Waits (on the fake clock) until the named nodes see each other alive, have joined, and show one
 * gate table with an owner for every gate.
 */
export async function meshed(c: MemoryCluster, names: string[]): Promise<void> {
  await c.clock.until(async () => {
    for (const name of names) {
      const alive = (await c.node(name).cluster()).members.filter((m) => m.status === 'alive').map((m) => m.name);
      if (!names.every((n) => alive.includes(n))) return false;
      if (!c.node(name).readiness().ready) return false;
    }
    // Each node counts a peer in placement once the peer said it caught up: wait for one table.
    const tables = await Promise.all(names.map(async (n) => JSON.stringify((await c.node(n).cluster()).gates.map((g) => g.node))));
    return new Set(tables).size === 1 && !tables[0]!.includes('null');
  });
}
