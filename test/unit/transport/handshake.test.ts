import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../src/errors.js';
import {
  decodeEnvelope,
  decodeJson,
  encodeEnvelope,
  encodeJson,
  TransportMessageType,
  PROTOCOL_VERSION,
} from '../../../src/transport/envelope.js';
import { ClientHandshake, ServerHandshake, type HandshakeOptions, type HandshakeStep } from '../../../src/transport/handshake.js';
import {
  clientProof,
  proofMatches,
  readAuth,
  readHello,
  serverProof,
  sessionId,
  type ProofInput,
} from '../../../src/transport/handshake-messages.js';
import type { PeerIdentity } from '../../../src/transport/types.js';

/** Application types are opaque to the transport: any number from 0x10 up. */
const APP_TYPE_A = 0x10;
const APP_TYPE_B = 0x40;

const alice: PeerIdentity = { cluster: 'lot', name: 'alice', incarnation: 'a1', url: 'http://10.0.0.1:8080' };
const bob: PeerIdentity = { cluster: 'lot', name: 'bob', incarnation: 'b1', url: 'http://10.0.0.2:8080' };
const N1 = '00112233445566778899aabbccddeeff';
const N2 = 'ffeeddccbbaa99887766554433221100';
const input: ProofInput = { cluster: 'lot', serverNonce: N1, clientNonce: N2, client: alice, server: bob };

describe('proofs', () => {
  it('the client proof is HMAC-SHA256 over the documented newline-joined fields', () => {
    const expected = createHmac('sha256', 'cookie').update(`parking-client\n${N1}\n${N2}\nlot\nalice\na1\nbob\nb1`).digest('hex');
    expect(clientProof('cookie', input)).toBe(expected);
  });

  it('the server proof mirrors it under its own label', () => {
    const expected = createHmac('sha256', 'cookie').update(`parking-server\n${N2}\n${N1}\nlot\nbob\nb1\nalice\na1`).digest('hex');
    expect(serverProof('cookie', input)).toBe(expected);
  });

  it('a proof changes with the cookie, either nonce, and either identity', () => {
    const base = clientProof('cookie', input);
    expect(clientProof('other', input)).not.toBe(base);
    expect(clientProof('cookie', { ...input, serverNonce: N2 })).not.toBe(base);
    expect(clientProof('cookie', { ...input, clientNonce: N1 })).not.toBe(base);
    expect(clientProof('cookie', { ...input, client: { name: 'alice', incarnation: 'a2' } })).not.toBe(base);
    expect(clientProof('cookie', { ...input, server: { name: 'carol', incarnation: 'b1' } })).not.toBe(base);
    expect(serverProof('cookie', input)).not.toBe(base);
  });

  it('accepts raw-byte cookies', () => {
    expect(clientProof(Buffer.from('cookie'), input)).toBe(clientProof('cookie', input));
  });

  it('proofMatches compares hex proofs and rejects anything malformed', () => {
    const proof = clientProof('cookie', input);
    expect(proofMatches(proof, proof)).toBe(true);
    expect(proofMatches(proof, clientProof('other', input))).toBe(false);
    expect(proofMatches(proof, proof.slice(2))).toBe(false);
    expect(proofMatches(proof, proof.toUpperCase())).toBe(false);
    expect(proofMatches(proof, 42)).toBe(false);
    expect(proofMatches(proof, undefined)).toBe(false);
  });

  it('both ends derive the same session id from the nonces', () => {
    expect(sessionId(N1, N2)).toMatch(/^[0-9a-f]{16}$/);
    expect(sessionId(N1, N2)).not.toBe(sessionId(N2, N1));
  });
});

describe('message validation', () => {
  const json = (v: unknown): Uint8Array => encodeJson(v);
  const hello = { v: 1, ...alice, nonce: N1 };

  it('reads a well-formed HELLO and AUTH', () => {
    expect(readHello(json(hello))).toEqual(hello);
    expect(readAuth(json({ ...hello, proof: 'ab' })).proof).toBe('ab');
  });

  it.each([
    ['a missing name', { ...hello, name: undefined }],
    ['an empty name', { ...hello, name: '' }],
    ['a name with a newline', { ...hello, name: 'a\nb' }],
    ['a short nonce', { ...hello, nonce: 'abcd' }],
    ['a string version', { ...hello, v: '1' }],
    ['an array', [1, 2]],
    ['null', null],
  ])('refuses a HELLO with %s', (_name, value) => {
    expect(() => readHello(json(value))).toThrow(ProtocolError);
  });
});

/** Runs HELLO -> AUTH -> WELCOME (or a REFUSE) between two machines; returns each side's last step. */
function exchange({ server, client }: { server: ServerHandshake; client: ClientHandshake }): {
  server?: HandshakeStep;
  client?: HandshakeStep;
} {
  const c1 = client.receive(server.hello());
  if (c1.kind !== 'continue') return { client: c1, ...(c1.send ? { server: server.receive(c1.send) } : {}) };
  const s1 = server.receive(c1.send);
  return { server: s1, ...(s1.send ? { client: client.receive(s1.send) } : {}) };
}

function pair(
  serverOpts: Partial<HandshakeOptions> = {},
  clientOpts: Partial<HandshakeOptions> = {},
): { server: ServerHandshake; client: ClientHandshake } {
  return {
    server: new ServerHandshake({ self: bob, cookie: 'cookie', ...serverOpts }),
    client: new ClientHandshake({ self: alice, cookie: 'cookie', ...clientOpts }),
  };
}

describe('handshake state machines', () => {
  it('Handshake_SameCookie_BothSidesUpWithTheSameId', () => {
    const end = exchange(pair());
    expect(end.server).toMatchObject({ kind: 'done', remote: alice });
    expect(end.client).toMatchObject({ kind: 'done', remote: bob });
    expect(end.server?.kind === 'done' && end.client?.kind === 'done' && end.server.id === end.client.id).toBe(true);
  });

  it('Handshake_WrongCookie_ServerRefusesBadCookie_ClientSeesIt', () => {
    const end = exchange(pair({}, { cookie: 'wrong' }));
    expect(end.server).toMatchObject({ kind: 'failed', reason: 'bad-cookie', byRemote: false, remote: alice });
    expect(end.client).toMatchObject({ kind: 'failed', reason: 'bad-cookie', byRemote: true });
  });

  it('Handshake_OtherCluster_ClientRefusesTheHello', () => {
    const end = exchange(pair({ self: { ...bob, cluster: 'elsewhere' } }));
    expect(end.client).toMatchObject({ kind: 'failed', reason: 'other-cluster', byRemote: false });
    expect(end.server).toMatchObject({ kind: 'failed', reason: 'other-cluster', byRemote: true });
  });

  it('Handshake_OwnIncarnation_RefusedAsSelf', () => {
    expect(exchange(pair({ self: alice })).client).toMatchObject({ kind: 'failed', reason: 'self' });
  });

  it('Handshake_AdmitSaysNo_RefusedWithItsReason', () => {
    const no = (): { ok: false; reason: string; message: string } => ({ ok: false, reason: 'duplicate-name', message: 'alice is taken' });
    expect(exchange(pair({ admit: no })).server).toMatchObject({ kind: 'failed', reason: 'duplicate-name' });
    expect(exchange(pair({}, { admit: no })).client).toMatchObject({ kind: 'failed', reason: 'duplicate-name' });
  });

  it('Handshake_ForgedWelcome_ClientRefusesBadCookie', () => {
    const { server, client } = pair();
    client.receive(server.hello());
    const step = client.receive(encodeEnvelope(TransportMessageType.WELCOME, encodeJson({ proof: '0'.repeat(64) })));
    expect(step).toMatchObject({ kind: 'failed', reason: 'bad-cookie' });
    expect(decodeEnvelope((step as { send: Uint8Array }).send).type).toBe(TransportMessageType.REFUSE);
  });

  it('Handshake_ApplicationMessageBeforeWelcome_RefusedAsProtocol', () => {
    const { server, client } = pair();
    expect(server.receive(encodeEnvelope(APP_TYPE_A, new Uint8Array([1])))).toMatchObject({ kind: 'failed', reason: 'protocol' });
    expect(client.receive(encodeEnvelope(APP_TYPE_B, new Uint8Array()))).toMatchObject({ kind: 'failed', reason: 'protocol' });
  });

  it('Handshake_GarbageOrWrongOrder_RefusedAsProtocol', () => {
    expect(pair().server.receive(new Uint8Array([PROTOCOL_VERSION]))).toMatchObject({ reason: 'protocol' });
    expect(pair().server.receive(encodeEnvelope(TransportMessageType.AUTH, encodeJson({ v: PROTOCOL_VERSION })))).toMatchObject({
      reason: 'protocol',
    });
    expect(pair().server.receive(encodeEnvelope(TransportMessageType.HELLO, encodeJson({})))).toMatchObject({ reason: 'protocol' });
    const { server, client } = pair();
    expect(client.receive(encodeEnvelope(TransportMessageType.WELCOME, encodeJson({ proof: 'x' })))).toMatchObject({ reason: 'protocol' });
    expect(server.receive(encodeEnvelope(TransportMessageType.AUTH, new TextEncoder().encode('{not json')))).toMatchObject({
      reason: 'protocol',
    });
  });

  it('Handshake_OtherVersionByte_RefusedAsBadVersion', () => {
    expect(pair().server.receive(new Uint8Array([PROTOCOL_VERSION + 1, TransportMessageType.AUTH]))).toMatchObject({
      kind: 'failed',
      reason: 'bad-version',
    });
    const hello = encodeEnvelope(TransportMessageType.HELLO, encodeJson({ v: PROTOCOL_VERSION + 1, ...bob, nonce: N1 }));
    expect(pair().client.receive(hello)).toMatchObject({ kind: 'failed', reason: 'bad-version' });
  });

  it('Handshake_AfterItEnded_AnyFrameIsProtocol', () => {
    const machines = pair();
    exchange(machines);
    expect(machines.server.receive(new Uint8Array([PROTOCOL_VERSION, TransportMessageType.AUTH]))).toMatchObject({
      kind: 'failed',
      reason: 'protocol',
    });
  });

  it('Handshake_RefuseCarriesReasonAndMessage', () => {
    const { server } = pair();
    const step = server.refuse('timeout', 'too slow');
    expect(step.kind).toBe('failed');
    const env = decodeEnvelope((step as { send: Uint8Array }).send);
    expect(env.type).toBe(TransportMessageType.REFUSE);
    expect(decodeJson(env.payload)).toEqual({ reason: 'timeout', message: 'too slow' });
  });
});
