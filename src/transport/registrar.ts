/**
 * The registrar: which component speaks which application message type, and who wants to know when
 * a link comes, goes or is replaced (libp2p's registrar, on our links). The transport hands every
 * application frame of every link to {@link Registrar.dispatch}; components register their types at
 * construction. The transport owns its own frames (handshake, ping) and never sees these types.
 *
 * A type nobody registered is a protocol error: the link is closed with 'protocol' and the error is
 * counted once per type (a peer of a newer version sending a new type shows up in one metric and
 * one log line, not one per frame). A handler that throws a ParkingError (bad bytes) closes the link
 * the same way: bad bytes from the network never throw past here.
 */
import { isParkingError } from '../errors.js';
import type { Logger } from '../log.js';
import type { PeerLink } from './types.js';

/** Handles one application message from a link; throws ProtocolError on bad bytes. */
export type MessageHandler = (link: PeerLink, payload: Uint8Array) => void;

/**
 * Told about links. `onLinkReplaced` is the duplicate-link rule made visible once: the same remote
 * process now speaks on `next`; `previous` is closed and nothing more arrives on it. An observer
 * without `onLinkReplaced` sees `onLinkDown(previous, 'replaced')` then `onLinkUp(next)`.
 */
export interface LinkObserver {
  onLinkUp?(link: PeerLink): void;
  onLinkDown?(link: PeerLink, reason: string): void;
  onLinkReplaced?(previous: PeerLink, next: PeerLink): void;
}

export interface RegistrarOptions {
  logger: Logger;
  /** Counts a protocol error (code, message type) for metrics. */
  onProtocolError?: (code: string, type: number) => void;
}

interface Registration {
  owner: string;
  handler: MessageHandler;
}

export class Registrar {
  private readonly handlers = new Map<number, Registration>();
  private readonly observers: LinkObserver[] = [];
  private readonly unknownSeen = new Set<number>();
  private readonly log: Logger;
  private readonly options: RegistrarOptions;

  constructor(options: RegistrarOptions) {
    this.options = options;
    this.log = options.logger.child({ component: 'registrar' });
  }

  /** Registers the handler of an application message type (0x10..0xff). A type has one owner. */
  handle(type: number, owner: string, handler: MessageHandler): void {
    if (!Number.isInteger(type) || type < 0x10 || type > 0xff)
      throw new RangeError(`message type ${type} is not an application type (0x10..0xff)`);
    const existing = this.handlers.get(type);
    if (existing !== undefined) throw new Error(`message type 0x${type.toString(16)} is already registered by ${existing.owner}`);
    this.handlers.set(type, { owner, handler });
  }

  /**
   * Registers a link observer. Observers are called in registration order for every event, so a later
   * one sees the state the earlier ones left (join re-checks after the replicator dropped the link).
   */
  observe(observer: LinkObserver): void {
    this.observers.push(observer);
  }

  /** The registered types, for docs and tests. */
  types(): Array<{ type: number; owner: string }> {
    return [...this.handlers].map(([type, r]) => ({ type, owner: r.owner })).sort((a, b) => a.type - b.type);
  }

  /** Hands one frame to its handler. Never throws: bad bytes or an unknown type close the link. */
  dispatch(link: PeerLink, type: number, payload: Uint8Array): void {
    const registration = this.handlers.get(type);
    if (registration === undefined) {
      if (!this.unknownSeen.has(type)) {
        this.unknownSeen.add(type);
        this.log.warn({ peer: link.remote.name, type }, 'unknown message type from peer');
      }
      this.options.onProtocolError?.('ERR_PROTOCOL', type);
      link.close('protocol');
      return;
    }
    try {
      registration.handler(link, payload);
    } catch (err) {
      const code = isParkingError(err) ? err.code : 'ERR_INTERNAL';
      this.log.warn({ peer: link.remote.name, type, code, err: (err as Error).message }, 'bad message from peer, closing link');
      this.options.onProtocolError?.(code, type);
      link.close('protocol');
    }
  }

  linkUp(link: PeerLink): void {
    for (const o of this.observers) o.onLinkUp?.(link);
  }

  linkDown(link: PeerLink, reason: string): void {
    for (const o of this.observers) o.onLinkDown?.(link, reason);
  }

  linkReplaced(previous: PeerLink, next: PeerLink): void {
    for (const o of this.observers) {
      if (o.onLinkReplaced !== undefined) o.onLinkReplaced(previous, next);
      else {
        o.onLinkDown?.(previous, 'replaced');
        o.onLinkUp?.(next);
      }
    }
  }
}
