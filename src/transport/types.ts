/**
 * The public shape of the peer transport: authenticated, framed, message-oriented links between the
 * nodes of one cluster. Membership, CRDT sync and command forwarding are built on these interfaces
 * and never see a socket. Two implementations: `WsTransport` (real WebSockets) and `MemoryTransport`
 * (in-process, fake clock, for deterministic cluster tests).
 */
import type { EventEmitter } from 'node:events';

/** Who a node is. `url` is the http://host:port where its API and `/peer` endpoint live. */
export interface PeerIdentity {
  cluster: string;
  name: string;
  /** Per-process id: a restarted node has a new one. */
  incarnation: string;
  url: string;
}

/**
 * Traffic counters of one link, counted after the handshake. Bytes are whole frames (2-byte
 * envelope header included), so `bytesSent / operations` is the wire cost per operation per peer.
 */
export interface LinkStats {
  bytesSent: number;
  bytesReceived: number;
  messagesSent: number;
  messagesReceived: number;
  /** Bytes sent, by message type. */
  sentByType: Record<number, number>;
  /** Bytes received, by message type. */
  receivedByType: Record<number, number>;
  /** Messages sent, by message type. */
  messagesSentByType: Record<number, number>;
  /** Messages received, by message type. */
  messagesReceivedByType: Record<number, number>;
  /** Messages `send` refused: backpressure, too large, not an application type. */
  dropped: number;
}

/**
 * One authenticated link to one remote node.
 *
 * Events: `message` (type: number, payload: Uint8Array) for application types, `close` (reason:
 * string), `overflow` (), `drain` (), `activity` () (bytes or a frame arrived, PONG included: a sign
 * of life). `close` fires exactly once, synchronously inside `close()` for a local close.
 */
export interface PeerLink extends EventEmitter {
  /** Unique per link; both ends of one link report the same id (derived from the handshake nonces). */
  readonly id: string;
  readonly remote: PeerIdentity;
  readonly direction: 'inbound' | 'outbound';
  readonly open: boolean;
  readonly bufferedAmount: number;
  readonly stats: LinkStats;
  /** Sends a heartbeat PING (the remote link answers PONG by itself); not subject to backpressure drops. */
  ping(): void;
  /** Sends one application message (type >= 0x10). Returns false if the link is closed or the message was dropped by backpressure. Never throws. */
  send(type: number, payload: Uint8Array): boolean;
  /** Closes the link; the remote sees the same `reason` (default `'closed'`). Idempotent. */
  close(reason?: string): void;
}

/** What `link:refused` carries: a handshake that did not complete, on either side. */
export interface RefusedInfo {
  direction: 'inbound' | 'outbound';
  remoteAddress?: string;
  reason: string;
  message: string;
  remote?: Partial<PeerIdentity>;
}

/** The typed event map of a {@link Transport}. */
export interface TransportEvents {
  'link:up': [PeerLink];
  'link:down': [PeerLink, string];
  /**
   * The duplicate-link rule closed `previous` in favour of `next`, a link to the same remote process
   * (both ends dialed at once). Neither `link:down` for `previous` nor `link:up` for `next` is emitted.
   */
  'link:replaced': [PeerLink, PeerLink];
  'link:refused': [RefusedInfo];
}

/** A set of authenticated links to the other nodes of the cluster. */
export interface Transport extends EventEmitter<TransportEvents> {
  readonly identity: PeerIdentity;
  /** Idempotent. */
  start(): Promise<void>;
  /** Idempotent; closes every link (reason `'shutting-down'`) and refuses new ones. Final. */
  stop(): Promise<void>;
  /** Dials host:port (or a ws:// url), runs the handshake; resolves with the authenticated link, rejects with HandshakeError or NodeUnreachableError. */
  dial(address: string): Promise<PeerLink>;
  /** Authenticated open links, at most one per remote (name, incarnation). */
  links(): PeerLink[];
}

/** The answer of an admission check. */
export type AdmitResult = { ok: true } | { ok: false; reason: string; message: string };

/** What the transport knows when it asks to admit a remote. */
export interface AdmitContext {
  /** Open links to a node with the remote's name but another incarnation (a restart, or a clash). */
  existing: PeerIdentity[];
}

/**
 * Decides whether an authenticated remote may have a link. Called on both sides for every remote
 * that passed the cluster, self and proof checks. The default is {@link defaultAdmit}.
 */
export type AdmitFn = (remote: PeerIdentity, context: AdmitContext) => AdmitResult;

/** Rejects a remote whose name is already linked under another incarnation ('duplicate-name'). */
export const defaultAdmit: AdmitFn = (remote, { existing }) =>
  existing.length === 0
    ? { ok: true }
    : {
        ok: false,
        reason: 'duplicate-name',
        message: `a node named ${remote.name} is already linked with incarnation ${existing[0]?.incarnation ?? '?'}`,
      };

/** The reasons a handshake is refused with (an `admit` callback may add its own). */
export const RefuseReasons = {
  BAD_COOKIE: 'bad-cookie',
  OTHER_CLUSTER: 'other-cluster',
  SELF: 'self',
  DUPLICATE_NAME: 'duplicate-name',
  BAD_VERSION: 'bad-version',
  PROTOCOL: 'protocol',
  TIMEOUT: 'timeout',
  SHUTTING_DOWN: 'shutting-down',
  BUSY: 'busy',
} as const;

/** WebSocket close codes the transport uses. The close reason text is always the reason code. */
export const CloseCodes = {
  /** `link.close()` by the application. */
  NORMAL: 1000,
  /** The transport is stopping ('shutting-down'). */
  GOING_AWAY: 1001,
  /** A message larger than `maxPayloadBytes` (sent by ws itself). */
  TOO_BIG: 1009,
  /** The handshake was refused; a REFUSE message with the reason came first. */
  REFUSED: 4001,
  /** This link lost the duplicate-link tie-break ('duplicate-link'). */
  DUPLICATE_LINK: 4002,
  /** Bad bytes or a handshake message after the handshake ('protocol'). */
  PROTOCOL: 4003,
} as const;

/** Called for every application frame with its full size, so the node can feed Prometheus. */
export type OnBytes = (direction: 'sent' | 'received', type: number, bytes: number) => void;
