/**
 * Drives one pipe through the handshake: wires the {@link FrameConn} to a handshake state machine,
 * arms the timeout on the injected clock, sends what the machine says, and on success turns the
 * pipe into a {@link ConnPeerLink}. Never throws: every failure becomes a refusal or a rejection.
 */
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../clock.js';
import { HandshakeError, NodeUnreachableError } from '../errors.js';
import type { FrameConn } from './conn.js';
import { ClientHandshake, ServerHandshake, type HandshakeStep } from './handshake.js';
import type { Cookie } from './handshake-messages.js';
import { ConnPeerLink } from './peer-link.js';
import { CloseCodes, RefuseReasons, type AdmitResult, type OnBytes, type PeerIdentity, type PeerLink, type RefusedInfo } from './types.js';

/** What a session needs from its transport. */
export interface SessionHost {
  readonly identity: PeerIdentity;
  readonly cookie: Cookie;
  readonly clock: Clock;
  readonly log: Logger;
  readonly limits: { maxPayloadBytes: number; maxBufferedBytes: number; handshakeTimeoutMs: number };
  readonly onBytes: OnBytes | undefined;
  admission(remote: PeerIdentity): AdmitResult;
  /** Registers an authenticated link; returns the link kept for that remote (maybe another one). */
  established(link: ConnPeerLink): PeerLink;
  refused(info: RefusedInfo): void;
  sessionEnded(session: Session): void;
}

export class Session {
  /** Settles for outbound sessions; inbound ones report through the host only. */
  readonly result: Promise<PeerLink>;
  private resolve!: (link: PeerLink) => void;
  private reject!: (err: Error) => void;
  private readonly machine: ServerHandshake | ClientHandshake;
  private readonly timer: TimerHandle;
  private over = false;

  constructor(
    private readonly host: SessionHost,
    private readonly conn: FrameConn,
    readonly direction: 'inbound' | 'outbound',
    /** What was dialed (outbound) or where the dialer is (inbound); for errors and logs. */
    private readonly address: string | undefined,
    timeoutMs: number,
  ) {
    this.result = new Promise<PeerLink>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // Inbound results are reported as events; nobody awaits them.
    if (direction === 'inbound') this.result.catch(() => undefined);
    const opts = { self: host.identity, cookie: host.cookie, admit: (remote: PeerIdentity) => host.admission(remote) };
    this.machine = direction === 'inbound' ? new ServerHandshake(opts) : new ClientHandshake(opts);
    conn.onFrame = (data, isBinary) =>
      this.step(isBinary ? this.machine.receive(data) : this.machine.refuse(RefuseReasons.PROTOCOL, 'text frame'));
    conn.onClose = (code, reason, cause) => this.closedEarly(code, reason, cause);
    this.timer = host.clock.setTimeout(() => this.abort(RefuseReasons.TIMEOUT, `no handshake within ${timeoutMs} ms`), timeoutMs);
    if (this.machine instanceof ServerHandshake) conn.send(this.machine.hello());
  }

  /** Ends the handshake from our side: timeout, or the transport stopping. */
  abort(reason: string, message: string): void {
    if (this.over) return;
    if (this.direction === 'outbound' && !this.conn.opened) {
      // The pipe never opened: nobody to refuse, and the node is as good as unreachable.
      this.finish();
      this.conn.terminate();
      this.reject(
        reason === RefuseReasons.TIMEOUT ? new NodeUnreachableError(this.address ?? '?', 'timeout') : new HandshakeError(reason, message),
      );
      return;
    }
    this.step(this.machine.refuse(reason, message));
  }

  private step(step: HandshakeStep): void {
    if (this.over) return;
    if (step.kind === 'continue') {
      this.conn.send(step.send);
      return;
    }
    this.finish();
    if (step.send !== undefined) this.conn.send(step.send);
    if (step.kind === 'done') {
      const { maxBufferedBytes, maxPayloadBytes } = this.host.limits;
      this.conn.setFrameLimit?.(maxPayloadBytes);
      const link = new ConnPeerLink({
        id: step.id,
        remote: step.remote,
        direction: this.direction,
        conn: this.conn,
        maxBufferedBytes,
        maxPayloadBytes,
        onBytes: this.host.onBytes,
        logger: this.host.log,
      });
      this.resolve(this.host.established(link));
      return;
    }
    // The REFUSE (ours, if any) goes first; ws sends the close frame after queued data.
    this.conn.close(CloseCodes.REFUSED, step.reason);
    this.host.refused({
      direction: this.direction,
      ...(this.conn.remoteAddress !== undefined ? { remoteAddress: this.conn.remoteAddress } : {}),
      reason: step.reason,
      message: step.byRemote ? `refused by remote: ${step.message}` : step.message,
      ...(step.remote !== undefined ? { remote: step.remote } : {}),
    });
    this.reject(new HandshakeError(step.reason, step.message));
  }

  private closedEarly(code: number, reason: string, cause: string | undefined): void {
    if (this.over) return;
    this.finish();
    const why = cause ?? (reason !== '' ? `closed ${code} ${reason}` : `closed ${code}`);
    if (cause?.startsWith('WS_ERR_') === true) {
      // ws itself rejected bad framing: that is a protocol refusal.
      this.host.refused({
        direction: this.direction,
        ...(this.conn.remoteAddress !== undefined ? { remoteAddress: this.conn.remoteAddress } : {}),
        reason: RefuseReasons.PROTOCOL,
        message: cause,
      });
    } else {
      this.host.log.debug({ direction: this.direction, address: this.address, why }, 'handshake aborted');
    }
    this.reject(new NodeUnreachableError(this.address ?? '?', this.conn.opened ? `${why} during handshake` : why));
  }

  private finish(): void {
    this.over = true;
    this.host.clock.clearTimeout(this.timer);
    this.host.sessionEnded(this);
  }
}
