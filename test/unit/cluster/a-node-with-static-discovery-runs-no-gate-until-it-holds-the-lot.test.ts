/**
 * With the real StaticDiscovery, which reports its peers from inside start(), a new node still waits
 * for them: no gate, not ready, until it holds the lot.
 */
import { afterEach, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { StaticDiscovery } from '../../../src/discovery/static-discovery.js';
import { silentLogger } from '../../../src/log.js';
import { createNode, type Node } from '../../../src/node.js';
import { seededRandom } from '../../../src/random.js';
import { MemoryNetwork } from '../../../src/transport/memory-transport.js';
import { FakeClock } from '../../support/fake-clock.js';

const nodes: Node[] = [];
let clock: FakeClock;
afterEach(async () => {
  for (const n of nodes) await clock.run(n.stop());
  nodes.length = 0;
});

async function mk(network: MemoryNetwork, name: string, addr: string, peers: string[]): Promise<Node> {
  const config = loadConfig({ env: {}, preset: 'test', flags: { name } });
  const logger = silentLogger();
  const node = await createNode(config, {
    logger,
    clock,
    random: seededRandom(name.charCodeAt(0)),
    createTransport: (identity, admit) => network.createTransport({ identity, cookie: config.cookie, admit, address: addr, logger }),
    createDiscovery: () =>
      new StaticDiscovery(peers, {
        self: { cluster: 'parking', name, incarnation: 'x', host: addr.split(':')[0]!, port: Number(addr.split(':')[1]), url: '' },
        clock,
        logger,
      }),
  });
  nodes.push(node);
  return node;
}

it('Join_WithStaticDiscovery_ANewNodeRunsNoGateUntilItHoldsTheLot_AndRefusesACarAlreadyInside', async () => {
  clock = new FakeClock();
  const network = new MemoryNetwork({ clock, latencyMs: 20 });
  const a = await mk(network, 'a', '10.0.0.1:4000', ['10.0.0.2:4000']);
  await a.start();
  await clock.advance(1000);
  for (let i = 0; i < 10; i++) await clock.run(a.trackEntry(`OLD ${i}`, (i % 4) + 1));
  expect(a.lot.occupied).toBe(10);

  const b = await mk(network, 'b', '10.0.0.2:4000', ['10.0.0.1:4000']);
  await b.start();
  const owners = (await b.cluster()).gates.map((g) => g.node);
  expect(owners.every((o) => o === null)).toBe(true);
  expect(b.readiness().ready).toBe(false);
  await expect(clock.run(b.trackEntry('OLD 0', 1))).rejects.toMatchObject({ code: 'ERR_ALREADY_INSIDE' });
  await clock.until(() => b.readiness().ready && b.lot.occupied === 10);
  expect(a.lot.visitsOf('OLD 0')).toHaveLength(1);
});
