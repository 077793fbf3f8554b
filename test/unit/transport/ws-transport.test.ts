import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes, HandshakeError, NodeUnreachableError } from '../../../src/errors.js';
import { TransportMessageType } from '../../../src/transport/envelope.js';
import type { PeerLink, RefusedInfo } from '../../../src/transport/types.js';
import { peerUrl } from '../../../src/transport/ws-transport.js';
import { eventually, nextEvent } from '../../support/eventually.js';
import { startPeerServer, startWsNode, type WsNode } from '../../support/transport-server.js';

/** Application types are opaque to the transport: any number from 0x10 up. */
const APP_TYPE_A = 0x10;
const APP_TYPE_B = 0x40;

const nodes: WsNode[] = [];
async function node(name: string, options: Parameters<typeof startWsNode>[1] = {}): Promise<WsNode> {
  const n = await startWsNode(name, options);
  nodes.push(n);
  return n;
}
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
});

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);

describe('WsTransport: links', () => {
  it('a dial authenticates both sides and yields one link each, with the same id', async () => {
    const a = await node('a');
    const b = await node('b');
    const up = nextEvent<[PeerLink]>(a.transport, 'link:up');
    const outbound = await b.transport.dial(a.address);
    const [inbound] = await up;
    expect(outbound).toMatchObject({ direction: 'outbound', open: true, remote: a.identity });
    expect(inbound).toMatchObject({ direction: 'inbound', open: true, remote: b.identity });
    expect(inbound.id).toBe(outbound.id);
    expect(a.transport.links()).toEqual([inbound]);
    expect(b.transport.links()).toEqual([outbound]);
  });

  it('application messages flow both ways untouched and are counted per type', async () => {
    const sent: Array<[string, number, number]> = [];
    const a = await node('a');
    const b = await node('b', { onBytes: (dir, type, n) => sent.push([dir, type, n]) });
    const up = nextEvent<[PeerLink]>(a.transport, 'link:up');
    const ab = await b.transport.dial(a.address);
    const [ba] = await up;

    const atA = nextEvent<[number, Uint8Array]>(ba, 'message');
    expect(ab.send(APP_TYPE_A, bytes(1, 2, 3))).toBe(true);
    const [type, payload] = await atA;
    expect(type).toBe(APP_TYPE_A);
    expect([...payload]).toEqual([1, 2, 3]);

    const atB = nextEvent<[number, Uint8Array]>(ab, 'message');
    ba.send(APP_TYPE_B, bytes(9));
    expect((await atB)[0]).toBe(APP_TYPE_B);

    expect(ab.stats).toMatchObject({
      bytesSent: 5,
      messagesSent: 1,
      bytesReceived: 3,
      messagesReceived: 1,
      sentByType: { 0x10: 5 },
      receivedByType: { 0x40: 3 },
    });
    expect(ba.stats).toMatchObject({ bytesReceived: 5, messagesReceivedByType: { 0x10: 1 } });
    expect(sent).toEqual([
      ['sent', 0x10, 5],
      ['received', 0x40, 3],
    ]);
  });

  it('send refuses transport types and closed links without throwing', async () => {
    const a = await node('a');
    const b = await node('b');
    const link = await b.transport.dial(a.address);
    expect(link.send(TransportMessageType.HELLO, bytes())).toBe(false);
    expect(link.send(TransportMessageType.PING, bytes())).toBe(false);
    link.close();
    expect(link.send(APP_TYPE_A, bytes())).toBe(false);
    expect(link.stats.dropped).toBe(2);
  });

  it('a closed link goes down on both sides with the closing reason', async () => {
    const a = await node('a');
    const b = await node('b');
    const up = nextEvent<[PeerLink]>(a.transport, 'link:up');
    const link = await b.transport.dial(a.address);
    await up;
    const downAtA = nextEvent<[PeerLink, string]>(a.transport, 'link:down');
    const downAtB = nextEvent<[PeerLink, string]>(b.transport, 'link:down');
    link.close('leaving');
    expect((await downAtB)[1]).toBe('leaving');
    expect((await downAtA)[1]).toBe('leaving');
    expect(a.transport.links()).toEqual([]);
  });

  it('stop closes every link with shutting-down and refuses later dials', async () => {
    const a = await node('a');
    const b = await node('b');
    await b.transport.dial(a.address);
    const down = nextEvent<[PeerLink, string]>(b.transport, 'link:down');
    await a.transport.stop();
    await a.transport.stop();
    expect((await down)[1]).toBe('shutting-down');
    const err = await rejection(b.transport.dial(a.address));
    expect(err).toBeInstanceOf(HandshakeError);
    expect((err as HandshakeError).reason).toBe('shutting-down');
    await expect(a.transport.dial(b.address)).rejects.toMatchObject({ reason: 'shutting-down' });
  });
});

describe('WsTransport: refusals', () => {
  it('a wrong cookie is refused with bad-cookie on both sides, and both keep working', async () => {
    const a = await node('a');
    const b = await node('b', { cookie: 'wrong' });
    const refusedAtA = nextEvent<[RefusedInfo]>(a.transport, 'link:refused');
    const refusedAtB = nextEvent<[RefusedInfo]>(b.transport, 'link:refused');
    const err = await rejection(b.transport.dial(a.address));
    expect(err).toBeInstanceOf(HandshakeError);
    expect(err).toMatchObject({ code: ErrorCodes.HANDSHAKE, reason: 'bad-cookie' });
    expect((await refusedAtA)[0]).toMatchObject({ direction: 'inbound', reason: 'bad-cookie', remote: { name: 'b' } });
    expect((await refusedAtA)[0].remoteAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    expect((await refusedAtB)[0]).toMatchObject({ direction: 'outbound', reason: 'bad-cookie' });

    const c = await node('c');
    await expect(c.transport.dial(a.address)).resolves.toMatchObject({ open: true });
    const d = await node('d', { cookie: 'wrong' });
    await expect(b.transport.dial(d.address)).resolves.toMatchObject({ open: true });
  });

  it('a node of another cluster is refused with other-cluster', async () => {
    const a = await node('a');
    const b = await node('b', { cluster: 'elsewhere' });
    const refusedAtA = nextEvent<[RefusedInfo]>(a.transport, 'link:refused');
    await expect(b.transport.dial(a.address)).rejects.toMatchObject({ reason: 'other-cluster' });
    expect((await refusedAtA)[0].reason).toBe('other-cluster');
  });

  it('dialing its own address is refused as self', async () => {
    const a = await node('a');
    await expect(a.transport.dial(a.address)).rejects.toMatchObject({ reason: 'self' });
    expect(a.transport.links()).toEqual([]);
  });

  it('a second incarnation of a linked name is refused with duplicate-name by default', async () => {
    const a = await node('a');
    const b1 = await node('b');
    await b1.transport.dial(a.address);
    const b2 = await node('b');
    await expect(b2.transport.dial(a.address)).rejects.toMatchObject({ reason: 'duplicate-name' });
    expect(a.transport.links().map((l) => l.remote.incarnation)).toEqual([b1.identity.incarnation]);
  });

  it('admit decides about a new incarnation and sees the old one', async () => {
    const seen: string[][] = [];
    const a = await node('a', { admit: (_remote, { existing }) => (seen.push(existing.map((e) => e.incarnation)), { ok: true }) });
    const b1 = await node('b');
    await b1.transport.dial(a.address);
    const b2 = await node('b');
    await b2.transport.dial(a.address);
    // Asked at the handshake and again where the link is registered (a concurrent twin may have linked in between).
    expect(seen).toEqual([[], [], [b1.identity.incarnation], [b1.identity.incarnation]]);
    expect(a.transport.links()).toHaveLength(2);
  });

  it('dialing a closed port rejects with NodeUnreachableError', async () => {
    const gone = await startPeerServer();
    await gone.close();
    const b = await node('b');
    const err = await rejection(b.transport.dial(gone.address));
    expect(err).toBeInstanceOf(NodeUnreachableError);
    expect(err.message).toMatch(/ECONNREFUSED/);
    await expect(b.transport.dial('not an address')).rejects.toBeInstanceOf(NodeUnreachableError);
  });
});

describe('WsTransport: duplicate links', () => {
  it('simultaneous dials in both directions leave exactly one link, the same one on both sides', async () => {
    for (let round = 0; round < 5; round++) {
      const a = await node(`a${round}`);
      const b = await node(`b${round}`);
      const downs: string[] = [];
      const announced = new Map<string, string>();
      for (const [side, t] of [
        ['a', a.transport],
        ['b', b.transport],
      ] as const) {
        t.on('link:down', (_l, reason) => downs.push(reason));
        t.on('link:up', (l) => announced.set(side, l.id));
        // The kept link takes over from the announced one: never two open links above the transport.
        t.on('link:replaced', (previous, next) => {
          expect(previous.open).toBe(false);
          expect(announced.get(side)).toBe(previous.id);
          announced.set(side, next.id);
        });
      }
      const results = await Promise.allSettled([a.transport.dial(b.address), b.transport.dial(a.address)]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
      await eventually(
        () =>
          a.transport.links().length === 1 && b.transport.links().length === 1 && a.transport.links()[0]?.id === b.transport.links()[0]?.id,
        { message: 'one shared link' },
      );
      // The kept link was dialed by the side whose name+incarnation sorts lower.
      const lower = `${a.identity.name}\0${a.identity.incarnation}` < `${b.identity.name}\0${b.identity.incarnation}` ? 'a' : 'b';
      expect(a.transport.links()[0]?.direction).toBe(lower === 'a' ? 'outbound' : 'inbound');
      expect(downs).toEqual([]);
      expect([announced.get('a'), announced.get('b')]).toEqual([a.transport.links()[0]?.id, a.transport.links()[0]?.id]);
    }
  });

  it('a second dial to a linked node resolves with the one kept link', async () => {
    const a = await node('a');
    const b = await node('b');
    await b.transport.dial(a.address);
    await b.transport.dial(a.address);
    await eventually(
      () =>
        a.transport.links().length === 1 && b.transport.links().length === 1 && a.transport.links()[0]?.id === b.transport.links()[0]?.id,
      { message: 'one shared link' },
    );
  });
});

describe('peerUrl', () => {
  it('turns host:port, node urls and ws urls into the peer endpoint', () => {
    expect(peerUrl('127.0.0.1:80', '/peer')).toBe('ws://127.0.0.1/peer');
    expect(peerUrl('10.0.0.1:7000', '/peer')).toBe('ws://10.0.0.1:7000/peer');
    expect(peerUrl('http://node-1:7000', '/peer')).toBe('ws://node-1:7000/peer');
    expect(peerUrl('https://node-1:7000', '/peer')).toBe('wss://node-1:7000/peer');
    expect(peerUrl('ws://node-1:7000/custom', '/peer')).toBe('ws://node-1:7000/custom');
    expect(() => peerUrl('node-1', '/peer')).toThrow(TypeError);
    expect(() => peerUrl('ftp://node-1:21', '/peer')).toThrow(TypeError);
  });
});

describe('WsTransport: signs of life', () => {
  it('reports activity while a large frame is still arriving, before the message is complete', async () => {
    const a = await node('a');
    const b = await node('b');
    const up = nextEvent<[PeerLink]>(a.transport, 'link:up');
    const outbound = await b.transport.dial(a.address);
    const [inbound] = await up;
    let activityBeforeMessage = 0;
    let got = false;
    inbound.on('activity', () => {
      if (!got) activityBeforeMessage++;
    });
    const message = nextEvent<[number, Uint8Array]>(inbound, 'message');
    inbound.once('message', () => (got = true));
    expect(outbound.send(APP_TYPE_A, new Uint8Array(8 * 1024 * 1024))).toBe(true);
    const [, payload] = await message;
    expect(payload.byteLength).toBe(8 * 1024 * 1024);
    // 8 MiB cross loopback in many TCP reads: the failure detector heard from the peer long before.
    expect(activityBeforeMessage).toBeGreaterThan(1);
  });
});
