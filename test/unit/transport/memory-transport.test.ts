import { describe, expect, it } from 'vitest';
import { HandshakeError, NodeUnreachableError } from '../../../src/errors.js';
import { seededRandom } from '../../../src/random.js';
import { MemoryNetwork, type MemoryNetworkOptions, type MemoryTransport } from '../../../src/transport/memory-transport.js';
import type { PeerLink, RefusedInfo } from '../../../src/transport/types.js';
import { FakeClock } from '../../support/fake-clock.js';

/** Application types are opaque to the transport: any number from 0x10 up. */
const APP_TYPE_B = 0x40;

interface Net {
  clock: FakeClock;
  network: MemoryNetwork;
  node(name: string, extra?: { cookie?: string; cluster?: string; incarnation?: string }): Promise<MemoryTransport>;
}

function net(options: Partial<MemoryNetworkOptions> = {}): Net {
  const clock = new FakeClock();
  const network = new MemoryNetwork({ clock, ...options });
  return {
    clock,
    network,
    async node(name, extra = {}) {
      const t = network.createTransport({
        identity: { cluster: extra.cluster ?? 'test', name, incarnation: extra.incarnation ?? `${name}-1`, url: `mem://${name}` },
        cookie: extra.cookie ?? 'secret',
      });
      await t.start();
      return t;
    },
  };
}

/** Dials and lets the fake clock run the handshake. */
async function link(n: Net, from: MemoryTransport, to: string): Promise<PeerLink> {
  const dial = from.dial(to);
  await n.clock.tick(10);
  return dial;
}

function inbox(l: PeerLink): number[] {
  const got: number[] = [];
  l.on('message', (_type: number, payload: Uint8Array) => got.push(payload[0] as number));
  return got;
}

describe('MemoryTransport: handshake', () => {
  it('links two nodes with the same id on both ends after the latency', async () => {
    const n = net();
    const a = await n.node('a');
    const b = await n.node('b');
    const ab = await link(n, a, 'mem://b');
    const [ba] = b.links();
    expect(ab).toMatchObject({ direction: 'outbound', remote: { name: 'b' }, open: true });
    expect(ba).toMatchObject({ direction: 'inbound', remote: { name: 'a' }, id: ab.id });
  });

  it('delivers application messages after latencyMs, not before', async () => {
    const n = net({ latencyMs: 5 });
    const a = await n.node('a');
    const b = await n.node('b');
    const dial = a.dial('mem://b');
    await n.clock.tick(50);
    const ab = await dial;
    const got = inbox(b.links()[0] as PeerLink);
    ab.send(APP_TYPE_B, new Uint8Array([1]));
    await n.clock.tick(4);
    expect(got).toEqual([]);
    await n.clock.tick(1);
    expect(got).toEqual([1]);
  });

  it('refuses a wrong cookie, another cluster, itself and a duplicate name, like the ws transport', async () => {
    const n = net();
    const a = await n.node('a');
    const refusedAtA: string[] = [];
    a.on('link:refused', (info: RefusedInfo) => refusedAtA.push(info.reason));
    const reasonOf = async (p: Promise<unknown>): Promise<string> => {
      await n.clock.tick(10);
      return p.then(
        () => 'linked',
        (err: HandshakeError) => err.reason,
      );
    };
    expect(await reasonOf((await n.node('x', { cookie: 'wrong' })).dial('mem://a'))).toBe('bad-cookie');
    expect(await reasonOf((await n.node('y', { cluster: 'other' })).dial('mem://a'))).toBe('other-cluster');
    expect(await reasonOf(a.dial('mem://a'))).toBe('self');
    await link(n, await n.node('b'), 'mem://a');
    const b2 = n.network.createTransport({
      identity: { cluster: 'test', name: 'b', incarnation: 'b-2', url: 'mem://b2' },
      cookie: 'secret',
    });
    await b2.start();
    expect(await reasonOf(b2.dial('mem://a'))).toBe('duplicate-name');
    expect(refusedAtA).toEqual(['bad-cookie', 'other-cluster', 'self', 'self', 'duplicate-name']);
  });

  it('two incarnations of one name dialed at once: only one is linked, the other is closed as duplicate-name', async () => {
    const n = net({ latencyMs: 5 });
    const a = await n.node('a');
    const b1 = await n.node('b', { incarnation: 'b-1' });
    const b2 = n.network.createTransport({
      identity: { cluster: 'test', name: 'b', incarnation: 'b-2', url: 'mem://b2' },
      cookie: 'secret',
    });
    await b2.start();
    void b1;
    const ups: string[] = [];
    a.on('link:up', (l) => ups.push(l.remote.incarnation));
    // Both handshakes pass admission before either link exists.
    const dials = Promise.allSettled([a.dial('mem://b'), a.dial('mem://b2')]);
    await n.clock.tick(50);
    await dials;
    expect(ups).toHaveLength(1);
    expect(a.links().filter((l) => l.open && l.remote.name === 'b')).toHaveLength(1);
  });

  it('a dial to an address nobody holds rejects with NodeUnreachableError', async () => {
    const n = net();
    const a = await n.node('a');
    const dial = a.dial('mem://nobody');
    await n.clock.tick(1);
    await expect(dial).rejects.toBeInstanceOf(NodeUnreachableError);
  });

  it('simultaneous dials leave one link, the same on both sides', async () => {
    const n = net();
    const a = await n.node('a');
    const b = await n.node('b');
    const dials = Promise.all([a.dial('mem://b'), b.dial('mem://a')]);
    await n.clock.tick(10);
    await dials;
    expect(a.links()).toHaveLength(1);
    expect(b.links()).toHaveLength(1);
    expect(a.links()[0]?.id).toBe(b.links()[0]?.id);
    expect(a.links()[0]?.direction).toBe('outbound'); // 'a\0a-1' sorts before 'b\0b-1'
  });
});

describe('MemoryTransport: faults', () => {
  it('a partition silently drops messages between the groups; links stay open; heal restores delivery', async () => {
    const n = net();
    const a = await n.node('a');
    const b = await n.node('b');
    const c = await n.node('c');
    const ab = await link(n, a, 'mem://b');
    const ac = await link(n, a, 'mem://c');
    const atB = inbox(b.links()[0] as PeerLink);
    const atC = inbox(c.links()[0] as PeerLink);

    n.network.partition(['a'], ['b']);
    ab.send(APP_TYPE_B, new Uint8Array([1]));
    ac.send(APP_TYPE_B, new Uint8Array([1]));
    await n.clock.tick(10);
    expect(atB).toEqual([]);
    expect(atC).toEqual([1]);
    expect(ab.open && b.links()[0]?.open).toBe(true);

    n.network.heal();
    ab.send(APP_TYPE_B, new Uint8Array([2]));
    await n.clock.tick(10);
    expect(atB).toEqual([2]);
  });

  it('a message in flight when the partition starts is lost', async () => {
    const n = net({ latencyMs: 5 });
    const a = await n.node('a');
    const b = await n.node('b');
    const dial = a.dial('mem://b');
    await n.clock.tick(50);
    const ab = await dial;
    const atB = inbox(b.links()[0] as PeerLink);
    ab.send(APP_TYPE_B, new Uint8Array([1]));
    await n.clock.tick(2);
    n.network.partition(['a'], ['b']);
    await n.clock.tick(10);
    expect(atB).toEqual([]);
  });

  it('a dial across a partition fails with NodeUnreachableError after the handshake timeout', async () => {
    const n = net();
    const a = await n.node('a');
    await n.node('b');
    n.network.partition(['a'], ['b']);
    const dial = a.dial('mem://b');
    dial.catch(() => undefined);
    await n.clock.tick(4999);
    await n.clock.tick(1);
    await expect(dial).rejects.toBeInstanceOf(NodeUnreachableError);
  });

  it('crash closes every link of the node abruptly: peers see closed, the address stops answering', async () => {
    const n = net();
    const a = await n.node('a');
    const b = await n.node('b');
    const c = await n.node('c');
    await link(n, b, 'mem://a');
    await link(n, c, 'mem://a');
    const downs: string[] = [];
    for (const t of [b, c]) t.on('link:down', (l: PeerLink, reason: string) => downs.push(`${l.remote.name}:${reason}`));
    n.network.crash('a');
    expect(a.links()).toEqual([]);
    await n.clock.tick(1);
    expect(downs).toEqual(['a:closed', 'a:closed']);
    const dial = b.dial('mem://a');
    await n.clock.tick(1);
    await expect(dial).rejects.toBeInstanceOf(NodeUnreachableError);

    // The node comes back as a new incarnation at the same address.
    await n.node('a', { incarnation: 'a-2' });
    await expect(link(n, b, 'mem://a')).resolves.toMatchObject({ remote: { incarnation: 'a-2' } });
  });

  it('setLoss drops application messages at that rate', async () => {
    const n = net({ random: seededRandom(7) });
    const a = await n.node('a');
    const b = await n.node('b');
    const ab = await link(n, a, 'mem://b');
    const atB = inbox(b.links()[0] as PeerLink);
    n.network.setLoss(1);
    ab.send(APP_TYPE_B, new Uint8Array([1]));
    await n.clock.tick(5);
    n.network.setLoss(0.5);
    for (let i = 0; i < 100; i++) ab.send(APP_TYPE_B, new Uint8Array([i]));
    await n.clock.tick(5);
    expect(atB.length).toBeGreaterThan(25);
    expect(atB.length).toBeLessThan(75);
    n.network.setLoss(0);
    ab.send(APP_TYPE_B, new Uint8Array([200]));
    await n.clock.tick(5);
    expect(atB.at(-1)).toBe(200);
  });

  it('jitter reorders application messages but delivers them all', async () => {
    const seed = 42;
    const n = net({ random: seededRandom(seed), jitterMs: 20 });
    const a = await n.node('a');
    const b = await n.node('b');
    const ab = await link(n, a, 'mem://b');
    const atB = inbox(b.links()[0] as PeerLink);
    for (let i = 0; i < 50; i++) ab.send(APP_TYPE_B, new Uint8Array([i]));
    await n.clock.tick(30);
    expect(
      [...atB].sort((x, y) => x - y),
      `seed ${seed}`,
    ).toEqual([...Array(50).keys()]);
    expect(atB, `seed ${seed}`).not.toEqual([...Array(50).keys()]);
  });

  it('stop closes the links with shutting-down on both sides and frees the address', async () => {
    const n = net();
    const a = await n.node('a');
    const b = await n.node('b');
    await link(n, b, 'mem://a');
    const reasons: string[] = [];
    for (const t of [a, b]) t.on('link:down', (_l: PeerLink, reason: string) => reasons.push(reason));
    await a.stop();
    await n.clock.tick(1);
    expect(reasons).toEqual(['shutting-down', 'shutting-down']);
    const dial = b.dial('mem://a');
    await n.clock.tick(1);
    await expect(dial).rejects.toBeInstanceOf(NodeUnreachableError);
  });
});
