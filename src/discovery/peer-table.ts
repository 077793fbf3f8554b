/**
 * The bookkeeping every strategy shares: a keyed table of found peers that emits `peer:found` and
 * `peer:lost` only on change, so the cluster sees each address once, not once per poll or announce.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../log.js';
import type { DiscoveredPeer, DiscoveryEvents } from './types.js';

/** Base class of the strategies: the event emitter plus the table of current peers. */
export abstract class PeerTable extends EventEmitter<DiscoveryEvents> {
  readonly #peers = new Map<string, DiscoveredPeer>();
  protected readonly log: Logger;

  protected constructor(log: Logger) {
    super();
    this.log = log;
  }

  /** The peers currently known (copies, so callers cannot edit the table). */
  peers(): DiscoveredPeer[] {
    return [...this.#peers.values()].map((peer) => ({ ...peer }));
  }

  /** Keys currently in the table. */
  protected peerKeys(): string[] {
    return [...this.#peers.keys()];
  }

  /** The key whose peer has this address, other than `exceptKey`, if any. */
  protected keyOfAddress(address: string, exceptKey?: string): string | undefined {
    for (const [key, peer] of this.#peers) if (peer.address === address && key !== exceptKey) return key;
    return undefined;
  }

  /**
   * Adds or replaces the peer under `key`. An identical entry is a no-op; a changed one (new
   * incarnation after a restart) is reported as lost then found, so the cluster re-dials.
   */
  protected setPeer(key: string, peer: DiscoveredPeer): void {
    const old = this.#peers.get(key);
    if (old !== undefined && samePeer(old, peer)) return;
    this.#peers.set(key, { ...peer });
    if (old !== undefined) this.emitSafely('peer:lost', old);
    this.emitSafely('peer:found', { ...peer });
  }

  /** Removes the peer under `key`, emitting `peer:lost` if it was there. */
  protected deletePeer(key: string): void {
    const old = this.#peers.get(key);
    if (old === undefined) return;
    this.#peers.delete(key);
    this.emitSafely('peer:lost', old);
  }

  /** Forgets every peer without events (used on stop: we stop knowing, the peers did not leave). */
  protected clearPeers(): void {
    this.#peers.clear();
  }

  // Events are emitted from socket and timer callbacks inside other libraries: a throwing listener
  // would surface there as an uncaught exception and take the process down. Log it instead.
  private emitSafely(event: keyof DiscoveryEvents, peer: DiscoveredPeer): void {
    try {
      this.emit(event, peer);
    } catch (err) {
      this.log.error({ err, event, address: peer.address }, 'discovery listener threw');
    }
  }
}

function samePeer(a: DiscoveredPeer, b: DiscoveredPeer): boolean {
  return a.address === b.address && a.name === b.name && a.incarnation === b.incarnation;
}
