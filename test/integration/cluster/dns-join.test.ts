/**
 * Regression (second review): with DNS discovery, a node whose first DNS answer comes late (a lost
 * UDP packet) waits for it: it becomes ready only holding the lot of the peer the answer names.
 * Real nodes on 127.0.0.1 and 127.0.0.2 (one port each, so DNS A records can name them) and a real
 * DNS server on loopback.
 */
import { afterEach, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { createNode, type Node } from '../../../src/node.js';
import { DiscoveryDnsServer } from '../../support/discovery-dns-server.js';
import { eventually } from '../../support/eventually.js';

const nodes: Node[] = [];
let dns: DiscoveryDnsServer | undefined;
afterEach(async () => {
  for (const n of nodes) await n.stop();
  nodes.length = 0;
  await dns?.close();
});

it('Join_WithDnsDiscovery_ANodeWhoseFirstAnswerIsLateWaitsForItAndJoinsHoldingTheLot', async () => {
  const a = await createNode(
    loadConfig({ env: {}, flags: { name: 'a', host: '127.0.0.2', port: 0, discovery: 'none', logLevel: 'silent' } }),
  );
  nodes.push(a);
  await a.start();
  const port = Number(new URL(a.url).port);
  for (let i = 0; i < 5; i++) await a.trackEntry(`OLD ${i}`, 1);

  dns = await DiscoveryDnsServer.start();
  dns.records.set('parking.test', { a: ['127.0.0.2'] });
  dns.silent = true; // the fault: the first query is lost
  const b = await createNode(
    loadConfig({
      env: {},
      flags: {
        name: 'b',
        host: '127.0.0.1',
        port,
        discovery: 'dns',
        dnsName: 'parking.test',
        dnsServers: [dns.address],
        logLevel: 'silent',
      },
    }),
  );
  nodes.push(b);
  await b.start();
  await eventually(() => dns!.queries > 0);
  dns.silent = false; // the resolver's retry (one poll interval later, past the old 1 s window) is answered
  await eventually(() => b.readiness().ready, { message: 'b joins' });
  // Ready means joined: it holds a's lot the moment it says so (not an empty replica).
  expect(b.lot.occupied).toBe(5);
});
