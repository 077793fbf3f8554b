/**
 * A node waits for a peer that refused it with duplicate-name only for a while (the peer may still see
 * our previous incarnation), and not at all for a peer that is gone.
 */
import { afterEach, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { silentLogger } from '../../../src/log.js';
import { createNode, type Node } from '../../../src/node.js';
import { seededRandom } from '../../../src/random.js';
import { MemoryNetwork } from '../../../src/transport/memory-transport.js';
import { ListDiscovery } from '../../support/memory-cluster.js';
import { FakeClock } from '../../support/fake-clock.js';

const nodes: Node[] = [];
let clock: FakeClock;
afterEach(async () => {
  for (const n of nodes) await clock.run(n.stop());
  nodes.length = 0;
});

async function mk(network: MemoryNetwork, name: string, addr: string, peers: string[]) {
  const config = loadConfig({ env: {}, preset: 'test', flags: { name } });
  const discovery = new ListDiscovery(peers);
  const node = await createNode(config, {
    logger: silentLogger(),
    clock,
    random: seededRandom(addr.length * 7 + name.charCodeAt(0)),
    createTransport: (identity, admit) =>
      network.createTransport({ identity, cookie: config.cookie, admit, address: addr, logger: silentLogger() }),
    createDiscovery: () => discovery,
  });
  nodes.push(node);
  return { node, discovery };
}

it('Join_TwoOtherNodesShareAName_ANewNodeThatFoundBothStillJoins', async () => {
  clock = new FakeClock();
  const network = new MemoryNetwork({ clock, latencyMs: 5 });
  const n1 = (await mk(network, 'n', 'memory://n1', [])).node;
  await n1.start();
  await clock.advance(100);
  const n2 = (await mk(network, 'n', 'memory://n2', [])).node; // same name, its own island
  await n2.start();
  await clock.advance(100);
  const { node: j, discovery: jd } = await mk(network, 'j', 'memory://j', ['memory://n1']);
  await j.start();
  while (j.parts.transport.links().length === 0) await clock.advance(1);
  jd.add('memory://n2'); // n2 found (mDNS/DNS answer) while j is still catching up with n1
  await clock.advance(30_000);
  expect(j.readiness().ready).toBe(true);
});

it('Join_ItsOnlyInitialPeerRefusedItAndThenVanishedFromDiscovery_TheNodeJoinsAlone', async () => {
  clock = new FakeClock();
  const network = new MemoryNetwork({ clock, latencyMs: 5 });
  const old = (await mk(network, 'b', 'memory://b-old', [])).node; // previous incarnation still running
  await old.start();
  await clock.advance(100);
  const { node: b, discovery } = await mk(network, 'b', 'memory://b-new', ['memory://b-old']);
  await b.start();
  await clock.advance(300); // dial refused: duplicate-name (our own name)
  discovery.emit('peer:lost', { address: 'memory://b-old' }); // the old pod's address disappears
  await clock.advance(30_000);
  expect(b.readiness().ready).toBe(true);
});
