import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/clock.js';
import { ConfigError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log.js';
import { createDiscovery, type Discovery, type DiscoveryOptions } from '../../../src/discovery/index.js';
import type { DiscoveredPeer, SelfInfo } from '../../../src/discovery/types.js';
import { DiscoveryDnsServer } from '../../support/discovery-dns-server.js';
import { captureLog, waitForPeerEvent } from '../../support/discovery-wait.js';
import { eventually } from '../../support/eventually.js';

// Real DNS over UDP on 127.0.0.1 with the real clock and a 50 ms poll: the tests wait for events.
const NAME = 'parking-headless.default.svc.cluster.local';
const SRV = '_peer._tcp.parking-headless.default.svc.cluster.local';
const self: SelfInfo = { cluster: 'lot', name: 'a', incarnation: 'inc-a', host: '127.0.0.1', port: 4100, url: 'ws://127.0.0.1:4100' };

let server: DiscoveryDnsServer;
let discoveries: Discovery[] = [];

beforeEach(async () => {
  server = await DiscoveryDnsServer.start();
});

afterEach(async () => {
  await Promise.all(discoveries.map((d) => d.stop()));
  discoveries = [];
  await server.close();
});

function dns(options: Partial<DiscoveryOptions> = {}, logger = silentLogger()): Discovery {
  const discovery = createDiscovery(
    { kind: 'dns', dnsName: NAME, dnsServers: [server.address], dnsIntervalMs: 50, ...options },
    { self, clock: systemClock, logger },
  );
  discoveries.push(discovery);
  return discovery;
}

const addresses = (d: Discovery): string[] =>
  d
    .peers()
    .map((p) => p.address)
    .sort();
const at = (address: string) => (peer: DiscoveredPeer) => peer.address === address;

describe('dns discovery', () => {
  it('finds every A record, dialed at our own port, on the first poll', async () => {
    server.records.set(NAME, { a: ['127.0.0.2', '127.0.0.3'] });
    const discovery = dns({ dnsIntervalMs: 60_000 });
    const second = waitForPeerEvent(discovery, 'peer:found', at('127.0.0.3:4100'));
    await discovery.start();
    await second;
    expect(addresses(discovery)).toEqual(['127.0.0.2:4100', '127.0.0.3:4100']);
  });

  it('dials A-record addresses at dnsPort when given', async () => {
    server.records.set(NAME, { a: ['127.0.0.2'] });
    const discovery = dns({ dnsPort: 4200 });
    const found = waitForPeerEvent(discovery, 'peer:found', () => true);
    await discovery.start();
    expect((await found).address).toBe('127.0.0.2:4200');
  });

  it('reports a new record as found and a removed record as lost', async () => {
    server.records.set(NAME, { a: ['127.0.0.2'] });
    const discovery = dns();
    const first = waitForPeerEvent(discovery, 'peer:found', at('127.0.0.2:4100'));
    await discovery.start();
    await first;

    const added = waitForPeerEvent(discovery, 'peer:found', at('127.0.0.3:4100'));
    server.records.set(NAME, { a: ['127.0.0.2', '127.0.0.3'] });
    await added;

    const removed = waitForPeerEvent(discovery, 'peer:lost', at('127.0.0.2:4100'));
    server.records.set(NAME, { a: ['127.0.0.3'] });
    await removed;
    expect(addresses(discovery)).toEqual(['127.0.0.3:4100']);
  });

  it('reports each address once, not once per poll', async () => {
    server.records.set(NAME, { a: ['127.0.0.2'] });
    const discovery = dns();
    let found = 0;
    discovery.on('peer:found', () => (found += 1));
    await discovery.start();
    const queriesThen = server.queries;
    await eventually(() => server.queries >= queriesThen + 5, { timeoutMs: 5000, message: 'five more polls' });
    expect(found).toBe(1);
  });

  it('skips its own address', async () => {
    server.records.set(NAME, { a: ['127.0.0.1', '127.0.0.2'] });
    const discovery = dns();
    const other = waitForPeerEvent(discovery, 'peer:found', at('127.0.0.2:4100'));
    await discovery.start();
    await other;
    expect(addresses(discovery)).toEqual(['127.0.0.2:4100']);
  });

  it('dials the target and port of each SRV record, alongside the A records', async () => {
    server.records.set(NAME, { a: ['127.0.0.2'] });
    server.records.set(SRV, {
      srv: [
        { target: 'Pod-C.parking-headless.default.svc.cluster.local', port: 4300 },
        { target: '127.0.0.1', port: 4100 },
      ],
    });
    const discovery = dns({ dnsSrv: SRV });
    const srvPeer = waitForPeerEvent(discovery, 'peer:found', at('pod-c.parking-headless.default.svc.cluster.local:4300'));
    await discovery.start();
    await srvPeer;
    await eventually(() => discovery.peers().length === 2, { timeoutMs: 5000, message: 'A and SRV peers' });
    expect(addresses(discovery)).toEqual(['127.0.0.2:4100', 'pod-c.parking-headless.default.svc.cluster.local:4300']);
  });

  it('works with SRV records alone', async () => {
    server.records.set(SRV, { srv: [{ target: '127.0.0.5', port: 4500 }] });
    const discovery = dns({ dnsName: undefined, dnsSrv: SRV });
    const found = waitForPeerEvent(discovery, 'peer:found', at('127.0.0.5:4500'));
    await discovery.start();
    await found;
  });

  it('treats NXDOMAIN as no peers yet, and finds them when the name appears', async () => {
    const log = captureLog();
    const discovery = dns({}, log.logger);
    await discovery.start();
    await log.waitForMessage('dns name has no records');
    expect(discovery.peers()).toEqual([]);
    expect(log.lines.filter((l) => (l.level as number) >= 40)).toEqual([]);

    const found = waitForPeerEvent(discovery, 'peer:found', at('127.0.0.2:4100'));
    server.records.set(NAME, { a: ['127.0.0.2'] });
    await found;
  });

  it('reports every peer lost when the name goes away (NXDOMAIN)', async () => {
    server.records.set(NAME, { a: ['127.0.0.2', '127.0.0.3'] });
    const discovery = dns();
    await discovery.start();
    await eventually(() => discovery.peers().length === 2, { timeoutMs: 5000, message: 'two peers' });
    const lost: string[] = [];
    discovery.on('peer:lost', (p) => lost.push(p.address));
    server.records.delete(NAME);
    await eventually(() => discovery.peers().length === 0, { timeoutMs: 5000, message: 'no peers' });
    expect(lost.sort()).toEqual(['127.0.0.2:4100', '127.0.0.3:4100']);
  });

  it('survives a server that does not answer: warns once, skips overlapping ticks, keeps its peers, and resumes', async () => {
    server.records.set(NAME, { a: ['127.0.0.2'] });
    const log = captureLog();
    const discovery = dns({}, log.logger);
    const lost: DiscoveredPeer[] = [];
    discovery.on('peer:lost', (p) => lost.push(p));
    const first = waitForPeerEvent(discovery, 'peer:found', at('127.0.0.2:4100'));
    await discovery.start();
    await first;

    server.silent = true;
    const failure = await log.waitForMessage('dns lookup failed', 10_000);
    expect(failure).toMatchObject({ level: 40, name: NAME, type: 'A', code: 'ETIMEOUT' });
    await log.waitForMessage('dns poll still running, tick skipped', 5000);
    expect(discovery.peers()).toEqual([{ address: '127.0.0.2:4100' }]);
    expect(lost).toEqual([]);

    const found = waitForPeerEvent(discovery, 'peer:found', at('127.0.0.3:4100'), 10_000);
    server.records.set(NAME, { a: ['127.0.0.2', '127.0.0.3'] });
    server.silent = false;
    await found;
    await log.waitForMessage('dns lookups recovered');
    expect(log.lines.filter((l) => l.msg === 'dns lookup failed' && l.level === 40)).toHaveLength(1);
  });

  it('stops while a lookup is pending (the lookup is cancelled), and stop is idempotent', async () => {
    server.silent = true;
    const discovery = dns({ dnsIntervalMs: 5000 });
    await discovery.start();
    await eventually(() => server.queries > 0, { timeoutMs: 5000, message: 'a query sent' });
    // The server never answers: stop() resolving at all shows the pending lookup was cancelled.
    await discovery.stop();
    await discovery.stop();
    expect(discovery.peers()).toEqual([]);
  });

  it.each<[Partial<DiscoveryOptions>, string]>([
    [{ dnsName: undefined }, 'dnsName'],
    [{ dnsPort: 0 }, 'dnsPort'],
    [{ dnsIntervalMs: 0 }, 'dnsIntervalMs'],
    [{ dnsIntervalMs: 1.5 }, 'dnsIntervalMs'],
    [{ dnsServers: [] }, 'dnsServers'],
    [{ dnsServers: ['not an address'] }, 'dnsServers'],
  ])('rejects %j with a ConfigError naming %s', (options, field) => {
    expect(() => dns(options)).toThrow(ConfigError);
    try {
      dns(options);
    } catch (err) {
      expect((err as ConfigError).field).toBe(field);
    }
  });
});
