/**
 * mDNS discovery on real sockets, scoped to loopback (the default scope): nothing leaves this
 * machine. Several discoveries in one process stand for several nodes on one host. Each run uses a
 * fresh cluster name, so concurrent runs (or other projects' mDNS on this host) cannot interfere.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Bonjour, type Service } from 'bonjour-service';
import { systemClock } from '../../../src/clock.js';
import { silentLogger } from '../../../src/log.js';
import { randomId } from '../../../src/random.js';
import { createDiscovery, type Discovery, type DiscoveredPeer, type SelfInfo } from '../../../src/discovery/index.js';
import { captureLog, waitForPeerEvent } from '../../support/discovery-wait.js';
import { eventually } from '../../support/eventually.js';

const WAIT_MS = 10_000;
let started: Discovery[] = [];

afterEach(async () => {
  await Promise.all(started.map((d) => d.stop()));
  started = [];
});

function selfInfo(cluster: string, name: string, port: number): SelfInfo {
  return { cluster, name, incarnation: randomId(8), host: '127.0.0.1', port, url: `ws://127.0.0.1:${port}` };
}

function mdns(self: SelfInfo, logger = silentLogger()): Discovery {
  const discovery = createDiscovery({ kind: 'mdns' }, { self, clock: systemClock, logger });
  started.push(discovery);
  return discovery;
}

const knows = (d: Discovery, n: number) => () => d.peers().length === n;

describe('mdns discovery on loopback', () => {
  it('three nodes of one cluster find each other, each dialed at 127.0.0.1 and its port, with name and incarnation', async () => {
    const cluster = `test-${randomId(4)}`;
    const selves = [selfInfo(cluster, 'a', 47101), selfInfo(cluster, 'b', 47102), selfInfo(cluster, 'c', 47103)];
    const log = captureLog();
    const nodes = selves.map((self, i) => mdns(self, i === 0 ? log.logger : silentLogger()));
    await Promise.all(nodes.map((n) => n.start()));
    await Promise.all(nodes.map((n) => eventually(knows(n, 2), { timeoutMs: WAIT_MS, message: `${n.kind} knows 2 peers` })));

    const [a] = nodes;
    const byName = (peers: DiscoveredPeer[]) => [...peers].sort((x, y) => (x.name ?? '').localeCompare(y.name ?? ''));
    expect(byName(a!.peers())).toEqual([
      { address: '127.0.0.1:47102', name: 'b', incarnation: selves[1]!.incarnation },
      { address: '127.0.0.1:47103', name: 'c', incarnation: selves[2]!.incarnation },
    ]);
    // The socket was scoped and bound without a warning or an error.
    expect(log.lines.filter((l) => (l.level as number) >= 40)).toEqual([]);
    expect(log.lines.map((l) => l.msg)).toContain('mdns discovery started');
  });

  it('a clean stop says goodbye: the others see peer:lost for it', async () => {
    const cluster = `test-${randomId(4)}`;
    const [a, b, c] = [selfInfo(cluster, 'a', 47111), selfInfo(cluster, 'b', 47112), selfInfo(cluster, 'c', 47113)].map((s) => mdns(s));
    await Promise.all([a!, b!, c!].map((n) => n.start()));
    await Promise.all([a!, c!].map((n) => eventually(knows(n, 2), { timeoutMs: WAIT_MS, message: 'two peers' })));

    const lostByA = waitForPeerEvent(a!, 'peer:lost', (p) => p.name === 'b', WAIT_MS);
    const lostByC = waitForPeerEvent(c!, 'peer:lost', (p) => p.name === 'b', WAIT_MS);
    await b!.stop();
    await b!.stop(); // idempotent
    expect(await lostByA).toMatchObject({ address: '127.0.0.1:47112', name: 'b' });
    expect(await lostByC).toMatchObject({ address: '127.0.0.1:47112', name: 'b' });
    expect(a!.peers().map((p) => p.name)).toEqual(['c']);
    expect(b!.peers()).toEqual([]);
  });

  it('ignores a service of another cluster', async () => {
    const ours = `test-${randomId(4)}`;
    const theirs = `other-${randomId(4)}`;
    const stranger = mdns(selfInfo(theirs, 'x', 47121));
    await stranger.start();

    // A bare loopback-scoped browser sees the stranger's service: from then on it is on the air,
    // and the nodes below receive it when they query at start.
    const probe = new Bonjour({ interface: '127.0.0.1', bind: '0.0.0.0' } as never, () => {});
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('stranger never announced')), WAIT_MS);
        probe.find({ type: 'parking' }, (s: Service) => {
          if ((s.txt as Record<string, string> | undefined)?.cluster === theirs) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
    } finally {
      await new Promise<void>((resolve) => probe.destroy(() => resolve()));
    }

    const [a, b] = [selfInfo(ours, 'a', 47122), selfInfo(ours, 'b', 47123)].map((s) => mdns(s));
    const seen: DiscoveredPeer[] = [];
    a!.on('peer:found', (p) => seen.push(p));
    await Promise.all([a!.start(), b!.start()]);
    await eventually(knows(a!, 1), { timeoutMs: WAIT_MS, message: 'a finds b' });
    expect(seen.map((p) => p.name)).toEqual(['b']);
    expect(stranger.peers()).toEqual([]);
  });

  it('starts idempotently and can start again after a stop', async () => {
    const cluster = `test-${randomId(4)}`;
    const a = mdns(selfInfo(cluster, 'a', 47131));
    const b = mdns(selfInfo(cluster, 'b', 47132));
    await Promise.all([a.start(), a.start(), b.start()]);
    await eventually(knows(a, 1), { timeoutMs: WAIT_MS, message: 'a finds b' });
    await a.stop();
    expect(a.peers()).toEqual([]);
    const again = waitForPeerEvent(a, 'peer:found', (p) => p.name === 'b', WAIT_MS);
    await a.start();
    expect(await again).toMatchObject({ address: '127.0.0.1:47132' });
  });
});
