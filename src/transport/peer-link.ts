/**
 * One authenticated link over a {@link FrameConn}: application frames in and out, traffic counts,
 * and bounded buffering. Created by the handshake driver once both sides proved the cookie.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { ProtocolError } from '../errors.js';
import type { FrameConn } from './conn.js';
import {
  decodeEnvelope,
  encodeEnvelope,
  HEADER_BYTES,
  isApplicationType,
  isHandshakeType,
  messageTypeName,
  TransportMessageType,
} from './envelope.js';
import { CloseCodes, RefuseReasons, type LinkStats, type OnBytes, type PeerIdentity, type PeerLink } from './types.js';

export interface LinkInit {
  id: string;
  remote: PeerIdentity;
  direction: 'inbound' | 'outbound';
  conn: FrameConn;
  maxBufferedBytes: number;
  maxPayloadBytes: number;
  onBytes?: OnBytes | undefined;
  logger: Logger;
}

/** The close reason of a link that lost the duplicate-link rule; never seen above the transport. */
export const DUPLICATE_LINK = 'duplicate-link';

const EMPTY = new Uint8Array(0);

/** The close code that goes with a reason, so a packet capture tells the cases apart. */
export function closeCodeFor(reason: string): number {
  switch (reason) {
    case RefuseReasons.SHUTTING_DOWN:
      return CloseCodes.GOING_AWAY;
    case DUPLICATE_LINK:
      return CloseCodes.DUPLICATE_LINK;
    case RefuseReasons.PROTOCOL:
      return CloseCodes.PROTOCOL;
    default:
      return CloseCodes.NORMAL;
  }
}

/** Why a link closed underneath us: our own ws error if any, else the peer's reason code, else 'closed'. */
export function remoteCloseReason(code: number, reason: string, cause: string | undefined): string {
  if (cause === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' || code === CloseCodes.TOO_BIG) return 'too-big';
  if (cause !== undefined && cause.startsWith('WS_ERR_')) return RefuseReasons.PROTOCOL;
  // The peer's text is untrusted: pass on only something shaped like one of our reason codes.
  return /^[a-z0-9-]{1,64}$/.test(reason) ? reason : 'closed';
}

function emptyStats(): LinkStats {
  return {
    bytesSent: 0,
    bytesReceived: 0,
    messagesSent: 0,
    messagesReceived: 0,
    sentByType: {},
    receivedByType: {},
    messagesSentByType: {},
    messagesReceivedByType: {},
    dropped: 0,
  };
}

function count(record: Record<number, number>, type: number, n: number): void {
  record[type] = (record[type] ?? 0) + n;
}

/** A {@link PeerLink} over any {@link FrameConn}. */
export class ConnPeerLink extends EventEmitter implements PeerLink {
  readonly id: string;
  readonly remote: PeerIdentity;
  readonly direction: 'inbound' | 'outbound';
  readonly stats: LinkStats = emptyStats();
  private readonly conn: FrameConn;
  private readonly init: LinkInit;
  private isOpen = true;
  /** Set when a send was dropped; cleared (with 'drain') once the buffer is empty again. */
  private overflowed = false;

  constructor(init: LinkInit) {
    super();
    this.init = init;
    this.id = init.id;
    this.remote = init.remote;
    this.direction = init.direction;
    this.conn = init.conn;
    this.conn.onFrame = (data, isBinary) => this.receive(data, isBinary);
    // 'activity': bytes arrived, maybe part of a frame still in transit (the failure detector counts it).
    this.conn.onActivity = () => this.emit('activity');
    this.conn.onClose = (code, reason, cause) => this.finish(remoteCloseReason(code, reason, cause));
  }

  get open(): boolean {
    return this.isOpen;
  }

  get bufferedAmount(): number {
    return this.conn.bufferedAmount;
  }

  ping(): void {
    this.sendFrame(TransportMessageType.PING, EMPTY);
  }

  send(type: number, payload: Uint8Array): boolean {
    if (!this.isOpen) return false;
    // Too large would make the peer close the link (1009): refuse it here instead.
    if (!isApplicationType(type) || HEADER_BYTES + payload.length > this.init.maxPayloadBytes) {
      this.stats.dropped++;
      return false;
    }
    // While overflowed everything is dropped until the buffer is empty, so the upper layer sees one
    // gap (overflow ... drain) and re-syncs once, instead of a trickle of random losses.
    if (this.overflowed || this.conn.bufferedAmount > this.init.maxBufferedBytes) {
      this.stats.dropped++;
      if (!this.overflowed) {
        this.overflowed = true;
        this.init.logger.warn({ link: this.id, remote: this.remote.name, buffered: this.conn.bufferedAmount }, 'link overflow');
        this.emit('overflow');
      }
      return false;
    }
    this.sendFrame(type, payload);
    return true;
  }

  close(reason = 'closed'): void {
    if (!this.isOpen) return;
    this.finish(reason);
    this.conn.close(closeCodeFor(reason), reason);
  }

  /** Writes one frame and counts it; the caller checked the link is open and the limits. */
  private sendFrame(type: number, payload: Uint8Array): void {
    if (!this.isOpen) return;
    const frame = encodeEnvelope(type, payload);
    this.conn.send(frame, () => this.afterSend());
    this.stats.bytesSent += frame.length;
    this.stats.messagesSent++;
    count(this.stats.sentByType, type, frame.length);
    count(this.stats.messagesSentByType, type, 1);
    this.init.onBytes?.('sent', type, frame.length);
  }

  private afterSend(): void {
    if (this.overflowed && this.isOpen && this.conn.bufferedAmount === 0) {
      this.overflowed = false;
      this.emit('drain');
    }
  }

  private receive(data: Uint8Array, isBinary: boolean): void {
    if (!this.isOpen) return;
    let type: number;
    let payload: Uint8Array;
    try {
      if (!isBinary) throw new ProtocolError('text frame');
      ({ type, payload } = decodeEnvelope(data));
      if (isHandshakeType(type)) throw new ProtocolError(`handshake message ${messageTypeName(type)} after the handshake`);
    } catch (err) {
      this.init.logger.warn({ link: this.id, remote: this.remote.name, err: (err as Error).message }, 'protocol error on link');
      this.close(RefuseReasons.PROTOCOL);
      return;
    }
    this.stats.bytesReceived += data.length;
    this.stats.messagesReceived++;
    count(this.stats.receivedByType, type, data.length);
    count(this.stats.messagesReceivedByType, type, 1);
    this.init.onBytes?.('received', type, data.length);
    // Every frame is a sign of life; the heartbeat is answered here, below the registrar.
    this.emit('activity');
    if (type === TransportMessageType.PING) return this.sendFrame(TransportMessageType.PONG, EMPTY);
    if (type === TransportMessageType.PONG) return;
    try {
      this.emit('message', type, payload);
    } catch (err) {
      // A bug in an upper layer's handler must not tear down the socket's read loop or the process.
      this.init.logger.error({ link: this.id, remote: this.remote.name, type: messageTypeName(type), err }, 'message handler threw');
    }
  }

  private finish(reason: string): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.emit('close', reason);
  }
}
