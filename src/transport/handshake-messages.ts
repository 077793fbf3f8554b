/**
 * The four handshake messages (JSON payloads) and the HMAC proofs, as pure functions.
 *
 * Mutual HMAC-SHA256 challenge-response over the cluster secret (the "cookie"), which never crosses
 * the wire. Each side proves it knows the cookie by MACing both nonces and both identities; the
 * labels "parking-client" / "parking-server" keep one side's proof from being replayed as the other's,
 * and the fresh nonces keep an old exchange from being replayed at all.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ProtocolError } from '../errors.js';
import { decodeJson, encodeEnvelope, encodeJson, TransportMessageType, PROTOCOL_VERSION } from './envelope.js';
import type { PeerIdentity } from './types.js';

/** The cluster secret: a string (UTF-8) or raw bytes. */
export type Cookie = string | Uint8Array;

/** Sent first by the accepting side. */
export interface Hello extends PeerIdentity {
  v: number;
  /** 16 random bytes, hex. */
  nonce: string;
}

/** The dialer's answer to HELLO. */
export interface Auth extends PeerIdentity {
  v: number;
  nonce: string;
  /** {@link clientProof}, hex. */
  proof: string;
}

/** The accepting side's answer to a good AUTH. */
export interface Welcome {
  /** {@link serverProof}, hex. */
  proof: string;
}

/** Either side's "no". */
export interface Refuse {
  reason: string;
  message: string;
}

/** Everything both proofs cover. `client` is the dialing side, `server` the accepting side. */
export interface ProofInput {
  cluster: string;
  serverNonce: string;
  clientNonce: string;
  client: { name: string; incarnation: string };
  server: { name: string; incarnation: string };
}

/** 16 random bytes as hex, from node:crypto. */
export function newNonce(): string {
  return randomBytes(16).toString('hex');
}

function hmacHex(cookie: Cookie, text: string): string {
  return createHmac('sha256', cookie).update(text, 'utf8').digest('hex');
}

/** The dialer's proof: HMAC(cookie, "parking-client\n" + serverNonce + clientNonce + cluster + client + server), newline-joined. */
export function clientProof(cookie: Cookie, p: ProofInput): string {
  return hmacHex(
    cookie,
    [
      'parking-client',
      p.serverNonce,
      p.clientNonce,
      p.cluster,
      p.client.name,
      p.client.incarnation,
      p.server.name,
      p.server.incarnation,
    ].join('\n'),
  );
}

/** The accepting side's proof: the mirror of {@link clientProof} under the label "parking-server". */
export function serverProof(cookie: Cookie, p: ProofInput): string {
  return hmacHex(
    cookie,
    [
      'parking-server',
      p.clientNonce,
      p.serverNonce,
      p.cluster,
      p.server.name,
      p.server.incarnation,
      p.client.name,
      p.client.incarnation,
    ].join('\n'),
  );
}

/** Compares a received proof with the expected one in constant time; false for anything malformed. */
export function proofMatches(expectedHex: string, received: unknown): boolean {
  if (typeof received !== 'string' || !/^[0-9a-f]{64}$/.test(received)) return false;
  return timingSafeEqual(Buffer.from(expectedHex, 'hex'), Buffer.from(received, 'hex'));
}

/** The link id both ends compute from the two nonces of the handshake. */
export function sessionId(serverNonce: string, clientNonce: string): string {
  return createHash('sha256').update(`${serverNonce}\n${clientNonce}`).digest('hex').slice(0, 16);
}

// Names end up in proofs (newline-joined), logs and metrics labels: no control characters.
// eslint-disable-next-line no-control-regex -- the point: refuse control characters in names
const SAFE_TEXT = /^[^\u0000-\u001f\u007f]{1,128}$/;
const NONCE = /^[0-9a-f]{32}$/;

function field(obj: Record<string, unknown>, key: string, pattern: RegExp, what: string): string {
  const value = obj[key];
  if (typeof value !== 'string' || !pattern.test(value)) throw new ProtocolError(`${what}: bad ${key}`);
  return value;
}

function object(payload: Uint8Array, what: string): Record<string, unknown> {
  const value = decodeJson(payload);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ProtocolError(`${what}: not an object`);
  return value as Record<string, unknown>;
}

function identityFields(obj: Record<string, unknown>, what: string): PeerIdentity & { v: number; nonce: string } {
  const v = obj.v;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ProtocolError(`${what}: bad v`);
  return {
    v,
    cluster: field(obj, 'cluster', SAFE_TEXT, what),
    name: field(obj, 'name', SAFE_TEXT, what),
    incarnation: field(obj, 'incarnation', SAFE_TEXT, what),
    // eslint-disable-next-line no-control-regex -- the point: refuse control characters in a peer's url
    url: field(obj, 'url', /^[^\u0000-\u001f\u007f]{0,2048}$/, what),
    nonce: field(obj, 'nonce', NONCE, what),
  };
}

/** The best-effort identity fields of a message that failed validation, for the refusal log. */
export function looseIdentity(payload: Uint8Array): Partial<PeerIdentity> | undefined {
  try {
    const obj = object(payload, 'loose');
    const out: Partial<PeerIdentity> = {};
    for (const key of ['cluster', 'name', 'incarnation', 'url'] as const) {
      const value = obj[key];
      if (typeof value === 'string') out[key] = value.slice(0, 128);
    }
    return out;
  } catch {
    return undefined;
  }
}

/** True when `id` is fit to send: the same checks a peer applies to HELLO and AUTH. */
export function isValidIdentity(id: PeerIdentity): boolean {
  return SAFE_TEXT.test(id.cluster) && SAFE_TEXT.test(id.name) && SAFE_TEXT.test(id.incarnation) && id.url.length <= 2048;
}

function identityOf(id: PeerIdentity): PeerIdentity {
  return { cluster: id.cluster, name: id.name, incarnation: id.incarnation, url: id.url };
}

export function writeHello(self: PeerIdentity, nonce: string): Uint8Array {
  return encodeEnvelope(TransportMessageType.HELLO, encodeJson({ v: PROTOCOL_VERSION, ...identityOf(self), nonce }));
}

/** Throws ProtocolError when the payload is not a well-formed HELLO. */
export function readHello(payload: Uint8Array): Hello {
  return identityFields(object(payload, 'HELLO'), 'HELLO');
}

export function writeAuth(self: PeerIdentity, nonce: string, proof: string): Uint8Array {
  return encodeEnvelope(TransportMessageType.AUTH, encodeJson({ v: PROTOCOL_VERSION, ...identityOf(self), nonce, proof }));
}

/** Throws ProtocolError when the payload is not a well-formed AUTH (the proof is checked later). */
export function readAuth(payload: Uint8Array): Auth {
  const obj = object(payload, 'AUTH');
  const proof = obj.proof;
  return { ...identityFields(obj, 'AUTH'), proof: typeof proof === 'string' ? proof : '' };
}

export function writeWelcome(proof: string): Uint8Array {
  return encodeEnvelope(TransportMessageType.WELCOME, encodeJson({ proof }));
}

export function readWelcome(payload: Uint8Array): Welcome {
  const obj = object(payload, 'WELCOME');
  return { proof: typeof obj.proof === 'string' ? obj.proof : '' };
}

export function writeRefuse(reason: string, message: string): Uint8Array {
  return encodeEnvelope(TransportMessageType.REFUSE, encodeJson({ reason, message }));
}

/** Lenient: a refusal is reported even when its fields are odd (they are truncated, not trusted). */
export function readRefuse(payload: Uint8Array): Refuse {
  let obj: Record<string, unknown> = {};
  try {
    obj = object(payload, 'REFUSE');
  } catch {
    // fall through to 'protocol'
  }
  const reason = typeof obj.reason === 'string' && SAFE_TEXT.test(obj.reason) ? obj.reason.slice(0, 64) : 'protocol';
  const message = typeof obj.message === 'string' ? obj.message.slice(0, 512) : 'refused';
  return { reason, message };
}
