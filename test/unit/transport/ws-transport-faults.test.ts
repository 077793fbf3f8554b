import { once } from 'node:events';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { HandshakeError, NodeUnreachableError } from '../../../src/errors.js';
import { decodeEnvelope, decodeJson, encodeEnvelope, TransportMessageType, PROTOCOL_VERSION } from '../../../src/transport/envelope.js';
import { clientProof, newNonce, readHello, writeAuth, writeHello } from '../../../src/transport/handshake-messages.js';
import type { PeerLink, RefusedInfo } from '../../../src/transport/types.js';
import { nextEvent } from '../../support/eventually.js';
import { startWsNode, type WsNode } from '../../support/transport-server.js';

/** Application types are opaque to the transport: any number from 0x10 up. */
const APP_TYPE_A = 0x10;
const APP_TYPE_B = 0x40;

const nodes: WsNode[] = [];
const sockets: WebSocket[] = [];
async function node(name: string, options: Parameters<typeof startWsNode>[1] = {}): Promise<WsNode> {
  const n = await startWsNode(name, options);
  nodes.push(n);
  return n;
}
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
});

/** A bare ws client on the peer endpoint that records every frame and the close. */
async function rawClient(n: WsNode): Promise<{ ws: WebSocket; frames: Uint8Array[]; closed: Promise<[number, Buffer]> }> {
  const ws = new WebSocket(`ws://${n.address}/peer`);
  sockets.push(ws);
  const frames: Uint8Array[] = [];
  ws.on('message', (data: RawData) => frames.push(data as Buffer));
  const closed = once(ws, 'close') as Promise<[number, Buffer]>;
  await once(ws, 'message'); // HELLO
  return { ws, frames, closed };
}

function refuseOf(frame: Uint8Array | undefined): unknown {
  const env = decodeEnvelope(frame as Uint8Array);
  expect(env.type).toBe(TransportMessageType.REFUSE);
  return decodeJson(env.payload);
}

/** The node keeps serving: a good peer still gets a link. */
async function expectServing(n: WsNode): Promise<void> {
  const probe = await node(`probe-${Math.random().toString(36).slice(2)}`);
  await expect(probe.transport.dial(n.address)).resolves.toMatchObject({ open: true });
}

describe('WsTransport: bad bytes never crash it', () => {
  it.each([
    ['garbage bytes', Buffer.from([PROTOCOL_VERSION, 0x0d, 0xbe, 0xef]), 'protocol'],
    ['a one-byte frame', Buffer.from([PROTOCOL_VERSION]), 'protocol'],
    ['an application message before WELCOME', Buffer.from(encodeEnvelope(APP_TYPE_A, new Uint8Array([1]))), 'protocol'],
    ['a text frame', 'hello', 'protocol'],
    ['another protocol version', Buffer.from([PROTOCOL_VERSION + 1, TransportMessageType.AUTH, 0x7b, 0x7d]), 'bad-version'],
  ])('%s from a raw client are refused (%s) and the transport keeps serving', async (_name, junk, reason) => {
    const a = await node('a');
    const client = await rawClient(a);
    const refused = nextEvent<[RefusedInfo]>(a.transport, 'link:refused');
    client.ws.send(junk);
    expect((await refused)[0]).toMatchObject({ direction: 'inbound', reason });
    const [code] = await client.closed;
    expect(code).toBe(4001);
    expect(refuseOf(client.frames[1])).toMatchObject({ reason });
    await expectServing(a);
  });

  it('junk on a raw TCP socket to the HTTP port is closed and the transport keeps serving', async () => {
    const a = await node('a');
    const socket = connect(a.server.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.on('error', () => undefined);
    socket.resume(); // read the 400 so that 'end' and 'close' can come
    socket.write(Buffer.from('\x00\x01\x02 GARBAGE\r\n\r\n\xff\xfe'));
    await once(socket, 'close');
    await expectServing(a);
  });

  it('bad WebSocket framing after a real upgrade is refused as protocol', async () => {
    const a = await node('a');
    const refused = nextEvent<[RefusedInfo]>(a.transport, 'link:refused');
    const socket = connect(a.server.port, '127.0.0.1');
    socket.on('error', () => undefined);
    await once(socket, 'connect');
    socket.write(
      'GET /peer HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    await once(socket, 'data'); // 101 Switching Protocols (and maybe HELLO)
    socket.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
    expect((await refused)[0]).toMatchObject({ reason: 'protocol' });
    await expectServing(a);
  });

  it('bad bytes after the handshake close the link as protocol', async () => {
    const a = await node('a');
    const client = await rawClient(a);
    const hello = readHello(decodeEnvelope(client.frames[0] as Uint8Array).payload);
    const me = { cluster: 'test', name: 'raw', incarnation: 'r1', url: 'http://127.0.0.1:1' };
    const nonce = newNonce();
    const proof = clientProof('secret', { cluster: 'test', serverNonce: hello.nonce, clientNonce: nonce, client: me, server: hello });
    const up = nextEvent<[PeerLink]>(a.transport, 'link:up');
    client.ws.send(writeAuth(me, nonce, proof));
    const [link] = await up;
    const down = nextEvent<[PeerLink, string]>(a.transport, 'link:down');
    client.ws.send(writeHello(me, nonce)); // a handshake message after the handshake
    expect(await down).toEqual([link, 'protocol']);
    expect((await client.closed)[0]).toBe(4003);
  });

  it('a message handler that throws does not take the link down', async () => {
    const a = await node('a');
    const b = await node('b');
    const up = nextEvent<[PeerLink]>(a.transport, 'link:up');
    const ab = await b.transport.dial(a.address);
    const [ba] = await up;
    ba.once('message', () => {
      throw new Error('bug upstairs');
    });
    const second = nextEvent<[number]>(ba, 'message', (type) => type === APP_TYPE_B);
    ab.send(APP_TYPE_A, new Uint8Array());
    ab.send(APP_TYPE_B, new Uint8Array());
    await second;
    expect(ba.open).toBe(true);
  });
});

describe('WsTransport: timeouts', () => {
  it('an accepted connection that never authenticates is refused with timeout on the clock', async () => {
    const a = await node('a');
    const client = await rawClient(a);
    const refused = nextEvent<[RefusedInfo]>(a.transport, 'link:refused');
    a.clock.advanceSync(4999);
    expect(client.frames).toHaveLength(1);
    a.clock.advanceSync(1);
    expect((await refused)[0]).toMatchObject({ direction: 'inbound', reason: 'timeout' });
    expect((await client.closed)[0]).toBe(4001);
    expect(refuseOf(client.frames[1])).toMatchObject({ reason: 'timeout' });
  });

  it('a dial whose server never answers AUTH rejects with a timeout HandshakeError', async () => {
    const silent = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(silent, 'listening');
    const identity = { cluster: 'test', name: 'silent', incarnation: 's1', url: 'http://127.0.0.1:1' };
    const gotAuth = new Promise<void>((resolve) =>
      silent.on('connection', (ws) => {
        ws.send(writeHello(identity, newNonce()));
        ws.once('message', () => resolve());
      }),
    );
    try {
      const b = await node('b', { handshakeTimeoutMs: 100 });
      const dial = b.transport.dial(`127.0.0.1:${(silent.address() as { port: number }).port}`);
      await gotAuth;
      b.clock.advanceSync(100);
      const err = await dial.catch((e: Error) => e);
      expect(err).toBeInstanceOf(HandshakeError);
      expect(err).toMatchObject({ reason: 'timeout' });
    } finally {
      for (const ws of silent.clients) ws.terminate();
      silent.close();
    }
  });

  it('an address that does not answer the TCP handshake fails with NodeUnreachableError once the clock runs out', async () => {
    const b = await node('b', { handshakeTimeoutMs: 50 });
    // 192.0.2.0/24 is TEST-NET-1: never routed, so the connect stays pending (or fails at once).
    const dial = b.transport.dial('192.0.2.1:9');
    b.clock.advanceSync(50);
    await expect(dial).rejects.toBeInstanceOf(NodeUnreachableError);
  });
});

describe('WsTransport: backpressure and limits', () => {
  it('drops sends above maxBufferedBytes, emits overflow once, then drain when the buffer empties', async () => {
    const a = await node('a');
    const b = await node('b', { maxBufferedBytes: 64 * 1024 });
    const up = nextEvent<[PeerLink]>(a.transport, 'link:up');
    const ab = await b.transport.dial(a.address);
    const [ba] = await up;
    let overflows = 0;
    ab.on('overflow', () => overflows++);
    const drained = nextEvent(ab, 'drain');
    const received: number[] = [];
    ba.on('message', (_t: number, p: Uint8Array) => received.push(p.length));

    const big = new Uint8Array(16 * 1024 * 1024);
    expect(ab.send(APP_TYPE_A, big)).toBe(true);
    expect(ab.bufferedAmount).toBeGreaterThan(64 * 1024);
    expect(ab.send(APP_TYPE_A, new Uint8Array(10))).toBe(false);
    expect(ab.send(APP_TYPE_A, new Uint8Array(10))).toBe(false);
    expect(overflows).toBe(1);
    expect(ab.stats.dropped).toBe(2);

    await drained;
    expect(ab.bufferedAmount).toBe(0);
    expect(ab.send(APP_TYPE_A, new Uint8Array(10))).toBe(true);
    const last = nextEvent<[number, Uint8Array]>(ba, 'message', (_t, p) => p.length === 10);
    await last;
    expect(received).toEqual([big.length, 10]);
  });

  it('a frame above the receiver maxPayloadBytes closes the link as too-big; send refuses oversized frames locally', async () => {
    const a = await node('a', { maxPayloadBytes: 1024 });
    const b = await node('b');
    const up = nextEvent<[PeerLink]>(a.transport, 'link:up');
    const ab = await b.transport.dial(a.address);
    const [ba] = await up;
    expect(ba.send(APP_TYPE_A, new Uint8Array(1023))).toBe(false);
    const downAtA = nextEvent<[PeerLink, string]>(a.transport, 'link:down');
    const downAtB = nextEvent<[PeerLink, string]>(b.transport, 'link:down');
    ab.send(APP_TYPE_A, new Uint8Array(2048));
    expect((await downAtA)[1]).toBe('too-big');
    expect((await downAtB)[1]).toBe('too-big');
  });
});

describe('WsTransport: an unauthenticated peer cannot make it buffer much', () => {
  it('closes a connection that sends a frame over the handshake limit before authenticating', async () => {
    const a = await node('a');
    const client = await rawClient(a);
    client.ws.send(Buffer.alloc(1024 * 1024, 1)); // far below maxPayloadBytes, far above a handshake message
    const [code] = await client.closed;
    expect(code).toBe(1009); // ws: message too big
    await expectServing(a);
  });

  it('refuses handshakes beyond MAX_INBOUND_HANDSHAKES in progress with reason busy', async () => {
    const a = await node('a');
    const { MAX_INBOUND_HANDSHAKES } = await import('../../../src/transport/base-transport.js');
    const held = [];
    for (let i = 0; i < MAX_INBOUND_HANDSHAKES; i++) held.push(await rawClient(a));
    const extra = await rawClient(a); // its first frame is the REFUSE, not a HELLO
    expect(refuseOf(extra.frames[0])).toMatchObject({ reason: 'busy' });
    for (const c of held) c.ws.terminate();
    await Promise.all(held.map((c) => c.closed));
    await expectServing(a);
  });
});
