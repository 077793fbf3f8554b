/**
 * What both transports share: options and defaults, the start/stop lifecycle, admission, the table
 * of authenticated links with the duplicate-link rule, and the events. Subclasses only turn
 * addresses into {@link FrameConn}s.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../clock.js';
import { ConfigError, HandshakeError, NodeStoppingError } from '../errors.js';
import { silentLogger } from '../log.js';
import type { FrameConn } from './conn.js';
import { isValidIdentity, writeRefuse, type Cookie } from './handshake-messages.js';
import { DUPLICATE_LINK, type ConnPeerLink } from './peer-link.js';
import { Session, type SessionHost } from './session.js';
import {
  CloseCodes,
  defaultAdmit,
  RefuseReasons,
  type AdmitFn,
  type AdmitResult,
  type OnBytes,
  type PeerIdentity,
  type PeerLink,
  type RefusedInfo,
  type Transport,
  type TransportEvents,
} from './types.js';

/** Options of every transport. */
export interface TransportOptions {
  identity: PeerIdentity;
  /** The cluster secret. Never sent; both sides prove they know it (HMAC-SHA256). */
  cookie: Cookie;
  /** Default: the system clock. Only the handshake timeout uses it. */
  clock?: Clock;
  /** Parent logger; the transport logs under `component: 'transport'`. Default: silent. */
  logger?: Logger;
  /**
   * Largest frame accepted (and sent), in bytes. Default 64 MiB: a full sync of 100k cars is a few
   * MB. A bigger frame closes the link (1009); a lower limit caps what one peer can make us buffer.
   */
  maxPayloadBytes?: number;
  /**
   * Per-link send buffer cap, in bytes. Default 8 MiB. Above it `send` drops and the link emits
   * 'overflow', then 'drain' once empty: memory stays bounded at about this plus one message,
   * and a slow peer costs a re-sync instead of our heap.
   */
  maxBufferedBytes?: number;
  /** A dial or an accepted connection must finish the handshake within this. Default 5000 ms. */
  handshakeTimeoutMs?: number;
  /** Admission of an authenticated remote; default {@link defaultAdmit} ('duplicate-name'). */
  admit?: AdmitFn;
  /** Every application frame sent or received, with its size (Prometheus counters). */
  onBytes?: OnBytes;
}

/**
 * Inbound connections allowed to be in the handshake at once. Each holds at most one small frame
 * (ws-conn.ts HANDSHAKE_FRAME_LIMIT) for at most handshakeTimeoutMs; a real cluster has a handful.
 */
export const MAX_INBOUND_HANDSHAKES = 64;

/** The documented defaults. */
export const TRANSPORT_DEFAULTS = {
  maxPayloadBytes: 64 * 1024 * 1024,
  maxBufferedBytes: 8 * 1024 * 1024,
  handshakeTimeoutMs: 5000,
} as const;

/** `name + '\0' + incarnation`: one remote process. Names cannot contain control characters. */
export function remoteKey(id: { name: string; incarnation: string }): string {
  return `${id.name}\0${id.incarnation}`;
}

/**
 * The duplicate-link rule, computed identically on both ends: keep the link dialed by the side with
 * the lower key, and between two links dialed by the same side the lower link id.
 */
export function linkRank(self: PeerIdentity, link: Pick<PeerLink, 'direction' | 'remote' | 'id'>): string {
  const dialer = link.direction === 'outbound' ? self : link.remote;
  return `${remoteKey(dialer)}\0${link.id}`;
}

export abstract class BaseTransport extends EventEmitter<TransportEvents> implements Transport, SessionHost {
  readonly identity: PeerIdentity;
  readonly cookie: Cookie;
  readonly clock: Clock;
  readonly log: Logger;
  readonly limits: SessionHost['limits'];
  readonly onBytes: OnBytes | undefined;
  private readonly admitFn: AdmitFn;
  private state: 'new' | 'running' | 'stopped' = 'new';
  private stopping: Promise<void> | undefined;
  private readonly byRemote = new Map<string, ConnPeerLink>();
  private readonly sessions = new Set<Session>();
  private readonly conns = new Set<FrameConn>();

  constructor(options: TransportOptions) {
    super();
    if (!isValidIdentity(options.identity))
      throw new ConfigError('identity', 'cluster, name and incarnation must be 1..128 characters without control characters');
    this.identity = { ...options.identity };
    this.cookie = options.cookie;
    this.clock = options.clock ?? systemClock;
    this.log = (options.logger ?? silentLogger()).child({ component: 'transport' });
    this.limits = {
      maxPayloadBytes: options.maxPayloadBytes ?? TRANSPORT_DEFAULTS.maxPayloadBytes,
      maxBufferedBytes: options.maxBufferedBytes ?? TRANSPORT_DEFAULTS.maxBufferedBytes,
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? TRANSPORT_DEFAULTS.handshakeTimeoutMs,
    };
    this.onBytes = options.onBytes;
    this.admitFn = options.admit ?? defaultAdmit;
  }

  /** True between start() and stop(). */
  get running(): boolean {
    return this.state === 'running';
  }

  async start(): Promise<void> {
    if (this.state === 'stopped') throw new NodeStoppingError();
    this.state = 'running';
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  links(): PeerLink[] {
    return [...this.byRemote.values()];
  }

  abstract dial(address: string): Promise<PeerLink>;

  /** Runs the accepting side on a new pipe; refuses at once when not running. */
  protected accept(conn: FrameConn, remoteAddress: string | undefined): void {
    this.track(conn);
    if (!this.running) {
      conn.send(writeRefuse(RefuseReasons.SHUTTING_DOWN, 'the node is not running'));
      conn.close(CloseCodes.REFUSED, RefuseReasons.SHUTTING_DOWN);
      return;
    }
    if (this.inboundHandshakes() >= MAX_INBOUND_HANDSHAKES) {
      // A flood of unauthenticated connections: refuse the newest rather than hold them all.
      this.log.warn({ remoteAddress, pending: MAX_INBOUND_HANDSHAKES }, 'too many handshakes in progress');
      conn.send(writeRefuse(RefuseReasons.BUSY, 'too many handshakes in progress'));
      conn.close(CloseCodes.REFUSED, RefuseReasons.BUSY);
      return;
    }
    this.sessions.add(new Session(this, conn, 'inbound', remoteAddress, this.limits.handshakeTimeoutMs));
  }

  private inboundHandshakes(): number {
    let n = 0;
    for (const session of this.sessions) if (session.direction === 'inbound') n++;
    return n;
  }

  /** Runs the dialing side on a pipe that is open or still opening. */
  protected connect(conn: FrameConn, address: string): Promise<PeerLink> {
    this.track(conn);
    if (!this.running) {
      conn.terminate();
      return Promise.reject(new HandshakeError(RefuseReasons.SHUTTING_DOWN, 'the transport is not running'));
    }
    const session = new Session(this, conn, 'outbound', address, this.limits.handshakeTimeoutMs);
    this.sessions.add(session);
    return session.result;
  }

  admission(remote: PeerIdentity): AdmitResult {
    const existing = [...this.byRemote.values()]
      .filter((l) => l.remote.name === remote.name && l.remote.incarnation !== remote.incarnation)
      .map((l) => l.remote);
    try {
      return this.admitFn(remote, { existing });
    } catch (err) {
      this.log.error({ err, remote: remote.name }, 'admit threw');
      return { ok: false, reason: 'refused', message: 'admission failed' };
    }
  }

  established(link: ConnPeerLink): PeerLink {
    if (!this.running) {
      link.close(RefuseReasons.SHUTTING_DOWN);
      return link;
    }
    // Admission happened when the handshake read the peer's identity, a round trip ago on the dialing
    // side: another incarnation of the same name may have linked since (two handshakes at once). It is
    // asked again here, where links are registered, so the later one is refused (membership refuses a
    // name that a live link holds under another incarnation).
    const verdict = this.admission(link.remote);
    if (!verdict.ok) {
      this.log.warn({ remote: link.remote.name, incarnation: link.remote.incarnation, reason: verdict.reason }, 'peer refused');
      link.close(verdict.reason);
      return link;
    }
    const key = remoteKey(link.remote);
    const existing = this.byRemote.get(key);
    if (existing !== undefined && linkRank(this.identity, existing) < linkRank(this.identity, link)) {
      // The new link loses the duplicate-link rule: it was never announced, so nobody hears of it.
      this.log.debug({ link: link.id, kept: existing.id, remote: link.remote.name }, 'duplicate link closed');
      link.close(DUPLICATE_LINK);
      return existing;
    }
    this.byRemote.set(key, link);
    link.once('close', (reason: string) => {
      if (this.byRemote.get(key) !== link) return; // replaced: announced as link:replaced instead
      this.byRemote.delete(key);
      this.log.info({ link: link.id, remote: link.remote.name, incarnation: link.remote.incarnation, reason }, 'link down');
      this.emit('link:down', link, reason);
    });
    if (existing !== undefined) {
      // The announced link loses: close it (its close event is silent, see above) and hand over.
      this.log.debug({ link: existing.id, kept: link.id, remote: link.remote.name }, 'duplicate link closed');
      existing.close(DUPLICATE_LINK);
      this.emit('link:replaced', existing, link);
      return link;
    }
    this.log.info({ link: link.id, remote: link.remote.name, incarnation: link.remote.incarnation, direction: link.direction }, 'link up');
    this.emit('link:up', link);
    return link;
  }

  refused(info: RefusedInfo): void {
    const level = info.reason === RefuseReasons.SELF ? 'debug' : 'warn';
    this.log[level](
      {
        direction: info.direction,
        remoteAddress: info.remoteAddress,
        reason: info.reason,
        detail: info.message,
        remote: info.remote?.name,
      },
      'handshake refused',
    );
    this.emit('link:refused', info);
  }

  sessionEnded(session: Session): void {
    this.sessions.delete(session);
  }

  private track(conn: FrameConn): void {
    this.conns.add(conn);
    void conn.whenClosed().then(() => this.conns.delete(conn));
  }

  private async shutdown(): Promise<void> {
    this.state = 'stopped';
    for (const session of [...this.sessions]) session.abort(RefuseReasons.SHUTTING_DOWN, 'the node is stopping');
    for (const link of [...this.byRemote.values()]) link.close(RefuseReasons.SHUTTING_DOWN);
    if (this.conns.size === 0) return;
    // Give peers a handshake timeout to answer our close frames, then cut what is left.
    await new Promise<void>((resolve) => {
      const timer = this.clock.setTimeout(resolve, this.limits.handshakeTimeoutMs);
      void Promise.all([...this.conns].map((c) => c.whenClosed())).then(() => {
        this.clock.clearTimeout(timer);
        resolve();
      });
    });
    for (const conn of this.conns) conn.terminate();
  }
}
