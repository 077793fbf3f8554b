/**
 * Scenario 8, interop with avahi: an independent mDNS implementation (avahi-daemon with a private
 * dbus-daemon, in its own lab host) sees every node's `_parking._tcp` advertisement with the right
 * port and TXT (cluster, node, addr); and with avahi on the network, also publishing a decoy service
 * of another cluster, a node started later still finds its peers and ignores the decoy.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { join } from 'node:path';
import { Scenario } from '../scenario.js';
import { expectRules } from '../expect-rules.js';
import { BASE_OPS } from '../lab/scale.js';
import { Avahi, type AvahiService } from '../lab/avahi.js';
import { waitFor } from '../lab/sh.js';

let s: Scenario;
let avahi: Avahi | undefined;
beforeAll(async () => {
  s = await Scenario.open('08-avahi');
});
afterAll(async () => {
  await avahi?.stop();
  await s?.close();
});

test('avahi sees every node with the right port and TXT, and nodes still find each other beside it', async () => {
  const nodes = await Promise.all(['n1', 'n2', 'n3'].map((n) => s.startNode(n, { discovery: 'mdns' })));
  await s.waitConverged();
  avahi = await Avahi.start(s.lab, await s.host('avahi'), s.workDir, join(s.logDir, 'avahi.log'));
  const decoy = avahi.publish('decoy', '_parking._tcp', 4000, [
    'cluster=other-cluster',
    'node=decoy',
    'inc=00000000',
    `addr=${avahi.host.ip}:4000`,
  ]);

  let seen: AvahiService[] = [];
  await waitFor(
    'avahi to resolve every node',
    20_000,
    async () => {
      seen = await avahi!.browse('_parking._tcp');
      return nodes.every((n) => seen.some((x) => x.txt.node === n.name)) ? true : undefined;
    },
    300,
    () => JSON.stringify(seen),
  );
  for (const n of nodes) {
    const svc = seen.find((x) => x.txt.node === n.name)!;
    expect(svc).toMatchObject({ type: '_parking._tcp', address: n.host.ip, port: 4000 });
    expect(svc.txt).toMatchObject({ cluster: 'parking', node: n.name, addr: `${n.host.ip}:4000` });
    expect(svc.txt.inc).toMatch(/^[0-9a-f]+$/);
  }

  await s.load('client1', {});
  await s.runOps(300); // load phase before the join
  s.faultBegins('n4 joins with avahi and a decoy on the network');
  await s.startNode('n4', { discovery: 'mdns' });
  s.faultEnds();
  await s.waitConverged();
  expect(
    s
      .live()
      .map((n) => n.name)
      .sort(),
  ).toEqual(['n1', 'n2', 'n3', 'n4']);
  await decoy.kill('SIGTERM');

  const report = await s.finish({ ops: BASE_OPS });
  expect(report.lotsDiffer).toEqual([]);
  expectRules(report);
});
