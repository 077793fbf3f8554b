/**
 * The handshake as two small state machines, one per side, with no I/O: frames in, steps out. The
 * same machines run under the WebSocket transport and the in-memory twin.
 *
 *   accepting side (server)                         dialing side (client)
 *   HELLO {v, identity, nonce}        ───────────▶  checks version, cluster, not self, admit
 *                                     ◀───────────  AUTH {v, identity, nonce, proof}
 *   checks version, cluster, self,
 *   proof (constant time), admit
 *   WELCOME {proof}                   ───────────▶  checks the server's proof
 *   link up                                         link up
 *
 * Any failure on either side: REFUSE {reason, message}, then close (code 4001). Anything other than
 * the next expected message, including application frames before WELCOME, is 'protocol'.
 */
import { ProtocolError } from '../errors.js';
import { decodeEnvelope, TransportMessageType, PROTOCOL_VERSION, type Envelope } from './envelope.js';
import {
  clientProof,
  looseIdentity,
  newNonce,
  proofMatches,
  readAuth,
  readHello,
  readRefuse,
  readWelcome,
  serverProof,
  sessionId,
  writeAuth,
  writeHello,
  writeRefuse,
  writeWelcome,
  type Cookie,
  type ProofInput,
} from './handshake-messages.js';
import { RefuseReasons, type AdmitResult, type PeerIdentity } from './types.js';

/** What the driver does next. */
export type HandshakeStep =
  | { kind: 'continue'; send: Uint8Array }
  /** Authenticated. The server sends `send` (WELCOME) before treating the link as up. */
  | { kind: 'done'; remote: PeerIdentity; id: string; send?: Uint8Array }
  /** Over. `send` is our REFUSE (absent when the remote refused us: `byRemote`). */
  | { kind: 'failed'; reason: string; message: string; byRemote: boolean; send?: Uint8Array; remote?: Partial<PeerIdentity> };

/** The transport-level admission check (duplicate names and the application's `admit`). */
export type Admission = (remote: PeerIdentity) => AdmitResult;

export interface HandshakeOptions {
  self: PeerIdentity;
  cookie: Cookie;
  admit?: Admission;
  /** Fixed nonce, for tests; fresh random bytes otherwise. */
  nonce?: string;
}

function refused(reason: string, message: string, remote?: Partial<PeerIdentity>): HandshakeStep {
  return { kind: 'failed', reason, message, byRemote: false, send: writeRefuse(reason, message), ...(remote ? { remote } : {}) };
}

/** Unwraps a frame, or says why the handshake is over (their REFUSE, a bad version, bad bytes). */
function unwrap(data: Uint8Array, remote?: Partial<PeerIdentity>): Envelope | HandshakeStep {
  if (data.length > 0 && data[0] !== PROTOCOL_VERSION)
    return refused(RefuseReasons.BAD_VERSION, `protocol version ${data[0]} is not ${PROTOCOL_VERSION}`, remote);
  try {
    const env = decodeEnvelope(data);
    if (env.type !== TransportMessageType.REFUSE) return env;
    const { reason, message } = readRefuse(env.payload);
    return { kind: 'failed', reason, message, byRemote: true, ...(remote ? { remote } : {}) };
  } catch (err) {
    return refused(RefuseReasons.PROTOCOL, (err as Error).message, remote);
  }
}

/** The checks both sides apply to the other's identity, before or after the proof. */
function checkRemote(self: PeerIdentity, remote: PeerIdentity & { v: number }): HandshakeStep | undefined {
  if (remote.v !== PROTOCOL_VERSION)
    return refused(RefuseReasons.BAD_VERSION, `protocol version ${remote.v} is not ${PROTOCOL_VERSION}`, remote);
  if (remote.cluster !== self.cluster)
    return refused(RefuseReasons.OTHER_CLUSTER, `cluster ${remote.cluster} is not ${self.cluster}`, remote);
  if (remote.incarnation === self.incarnation) return refused(RefuseReasons.SELF, 'connected to itself', remote);
  return undefined;
}

function admitStep(admit: Admission | undefined, remote: PeerIdentity): HandshakeStep | undefined {
  const verdict = admit?.(remote) ?? { ok: true };
  return verdict.ok ? undefined : refused(verdict.reason, verdict.message, remote);
}

function identity(m: PeerIdentity): PeerIdentity {
  return { cluster: m.cluster, name: m.name, incarnation: m.incarnation, url: m.url };
}

/** The accepting side: send {@link hello}, then feed every frame to {@link receive}. */
export class ServerHandshake {
  readonly nonce: string;
  private state: 'await-auth' | 'over' = 'await-auth';

  constructor(private readonly opts: HandshakeOptions) {
    this.nonce = opts.nonce ?? newNonce();
  }

  hello(): Uint8Array {
    return writeHello(this.opts.self, this.nonce);
  }

  receive(data: Uint8Array): HandshakeStep {
    if (this.state === 'over') return this.end(refused(RefuseReasons.PROTOCOL, 'frame after the handshake ended'));
    const env = unwrap(data);
    if ('kind' in env) return this.end(env);
    if (env.type !== TransportMessageType.AUTH) return this.end(refused(RefuseReasons.PROTOCOL, `expected AUTH, got type ${env.type}`));
    let auth;
    try {
      auth = readAuth(env.payload);
    } catch (err) {
      return this.end(refused(RefuseReasons.PROTOCOL, (err as ProtocolError).message, looseIdentity(env.payload)));
    }
    const { self, cookie } = this.opts;
    const remote = identity(auth);
    const bad = checkRemote(self, auth);
    if (bad) return this.end(bad);
    const input: ProofInput = { cluster: self.cluster, serverNonce: this.nonce, clientNonce: auth.nonce, client: remote, server: self };
    if (!proofMatches(clientProof(cookie, input), auth.proof))
      return this.end(refused(RefuseReasons.BAD_COOKIE, 'proof does not match: the cookies differ', remote));
    const rejected = admitStep(this.opts.admit, remote);
    if (rejected) return this.end(rejected);
    return this.end({ kind: 'done', remote, id: sessionId(this.nonce, auth.nonce), send: writeWelcome(serverProof(cookie, input)) });
  }

  /** Ends the handshake from our side (timeout, shutting down, a text frame). */
  refuse(reason: string, message: string): HandshakeStep {
    return this.end(refused(reason, message));
  }

  private end(step: HandshakeStep): HandshakeStep {
    this.state = 'over';
    return step;
  }
}

/** The dialing side: feed every frame to {@link receive}; it answers HELLO with AUTH. */
export class ClientHandshake {
  readonly nonce: string;
  private state: 'await-hello' | 'await-welcome' | 'over' = 'await-hello';
  private expected: { proof: string; remote: PeerIdentity; id: string } | undefined;

  constructor(private readonly opts: HandshakeOptions) {
    this.nonce = opts.nonce ?? newNonce();
  }

  receive(data: Uint8Array): HandshakeStep {
    if (this.state === 'over') return this.end(refused(RefuseReasons.PROTOCOL, 'frame after the handshake ended'));
    const env = unwrap(data, this.expected?.remote);
    if ('kind' in env) return this.end(env);
    return this.state === 'await-hello' ? this.onHello(env) : this.onWelcome(env);
  }

  refuse(reason: string, message: string): HandshakeStep {
    return this.end(refused(reason, message, this.expected?.remote));
  }

  private onHello(env: Envelope): HandshakeStep {
    if (env.type !== TransportMessageType.HELLO) return this.end(refused(RefuseReasons.PROTOCOL, `expected HELLO, got type ${env.type}`));
    let hello;
    try {
      hello = readHello(env.payload);
    } catch (err) {
      return this.end(refused(RefuseReasons.PROTOCOL, (err as ProtocolError).message, looseIdentity(env.payload)));
    }
    const { self, cookie } = this.opts;
    const remote = identity(hello);
    const bad = checkRemote(self, hello) ?? admitStep(this.opts.admit, remote);
    if (bad) return this.end(bad);
    const input: ProofInput = { cluster: self.cluster, serverNonce: hello.nonce, clientNonce: this.nonce, client: self, server: remote };
    this.expected = { proof: serverProof(cookie, input), remote, id: sessionId(hello.nonce, this.nonce) };
    this.state = 'await-welcome';
    return { kind: 'continue', send: writeAuth(self, this.nonce, clientProof(cookie, input)) };
  }

  private onWelcome(env: Envelope): HandshakeStep {
    const expected = this.expected as NonNullable<ClientHandshake['expected']>;
    if (env.type !== TransportMessageType.WELCOME)
      return this.end(refused(RefuseReasons.PROTOCOL, `expected WELCOME, got type ${env.type}`, expected.remote));
    let welcome;
    try {
      welcome = readWelcome(env.payload);
    } catch (err) {
      return this.end(refused(RefuseReasons.PROTOCOL, (err as ProtocolError).message, expected.remote));
    }
    if (!proofMatches(expected.proof, welcome.proof))
      return this.end(refused(RefuseReasons.BAD_COOKIE, 'server proof does not match: the cookies differ', expected.remote));
    return this.end({ kind: 'done', remote: expected.remote, id: expected.id });
  }

  private end(step: HandshakeStep): HandshakeStep {
    this.state = 'over';
    return step;
  }
}
