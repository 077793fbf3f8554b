/**
 * δ-state replication of the lot document over peer links.
 *
 * - On every new link both sides send step 1 (their state vector) and answer the other's with step 2
 *   (the missing delta), so a joining or returning node catches up in one round trip.
 * - Every local transaction's update is pushed to every peer at once; the updates of one event-loop
 *   turn are merged (Y.mergeUpdates) into one message, so a burst costs one frame per peer, not one
 *   per write. Updates applied from a peer carry a RemoteOrigin and are never pushed again.
 * - A pushed update carries a sequence number that the peer acknowledges after applying it;
 *   `whenReplicated()` lets a gate worker answer its client only once every linked peer holds the
 *   write (or `replicationAckTimeoutMs` passed), so a node that dies right after answering loses
 *   nothing that was acknowledged.
 * - Anti-entropy: every `antiEntropyIntervalMs` each side sends step 1 to each peer. Step 2 always
 *   carries the whole delete set, so this also repairs missed deletes, which a state vector does not
 *   reveal.
 * - Backpressure: when a link's backlog is over its limit the transport drops our message; once it
 *   drains we run a full two-way exchange (step 1 with SYNC_BACK) instead of replaying a backlog.
 */
import { EventEmitter } from 'node:events';
import * as Y from 'yjs';
import type { Clock, TimerHandle } from '../clock.js';
import type { Logger } from '../log.js';
import { ProtocolError } from '../errors.js';
import type { LotDocument } from '../crdt/lot-document.js';
import { readAck, readSyncMessage, SYNC_BACK, SyncKind, writeAck, writeStep1, writeStep2, writeUpdateMessage } from '../crdt/sync-messages.js';
import { MessageType } from '../transport/envelope.js';
import type { PeerLink } from '../transport/types.js';

/** Transaction origin of every change applied from a peer. */
export class RemoteOrigin {
  constructor(readonly peer: string) {}
}

export interface ReplicatorOptions {
  lot: LotDocument;
  clock: Clock;
  logger: Logger;
  antiEntropyIntervalMs: number;
  replicationAckTimeoutMs: number;
  pushCoalesceMs: number;
}

interface Waiter {
  seq: number;
  resolve: () => void;
}

interface PeerState {
  link: PeerLink;
  synced: boolean;
  acked: number;
  resync: boolean;
  waiters: Waiter[];
}

export interface ReplicatorEvents {
  /** The first step 2 from this peer arrived: we hold everything it had when the link came up. */
  'peer:synced': [string];
  /** The peer told us (SYNCED) that it holds everything we had when the link came up. */
  'peer:caught-up': [PeerLink];
  /** A local update was pushed (bytes per peer), for metrics and benchmarks. */
  'update:pushed': [number];
}

export class Replicator extends EventEmitter<ReplicatorEvents> {
  private readonly options: ReplicatorOptions;
  private readonly log: Logger;
  private readonly doc: Y.Doc;
  private readonly peers = new Map<PeerLink, PeerState>();
  private pending: Uint8Array[] = [];
  private flushScheduled = false;
  private seq = 0;
  private timer: TimerHandle | undefined;
  private readonly onUpdate = (update: Uint8Array, origin: unknown) => {
    if (origin instanceof RemoteOrigin) return;
    // With no peer, nobody needs the delta: a peer that links later gets everything by step 2.
    if (this.peers.size === 0) return;
    this.pending.push(update);
    this.scheduleFlush();
  };

  constructor(options: ReplicatorOptions) {
    super();
    this.options = options;
    this.log = options.logger.child({ component: 'replicator' });
    this.doc = options.lot.doc;
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.doc.on('update', this.onUpdate);
    this.timer = this.options.clock.setInterval(() => this.antiEntropy(), this.options.antiEntropyIntervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer !== undefined) this.options.clock.clearInterval(this.timer);
    this.timer = undefined;
    this.doc.off('update', this.onUpdate);
    for (const peer of this.peers.values()) this.release(peer);
    this.peers.clear();
  }

  addLink(link: PeerLink): void {
    const peer: PeerState = { link, synced: false, acked: 0, resync: false, waiters: [] };
    this.peers.set(link, peer);
    link.on('drain', () => {
      if (!peer.resync) return;
      peer.resync = false;
      this.log.info({ peer: link.remote.name }, 'backlog dropped, resyncing');
      link.send(MessageType.SYNC, writeStep1(this.doc, SYNC_BACK));
    });
    link.on('overflow', () => {
      peer.resync = true;
    });
    link.send(MessageType.SYNC, writeStep1(this.doc));
  }

  removeLink(link: PeerLink): void {
    const peer = this.peers.get(link);
    if (peer === undefined) return;
    this.peers.delete(link);
    this.release(peer);
  }

  /** True when every linked peer has sent its first step 2. */
  allSynced(): boolean {
    for (const peer of this.peers.values()) if (!peer.synced) return false;
    return true;
  }

  /** Handles SYNC and SYNC_ACK; returns false for other types. Throws ProtocolError on bad bytes. */
  handle(link: PeerLink, type: number, payload: Uint8Array): boolean {
    const peer = this.peers.get(link);
    if (peer === undefined) return type === MessageType.SYNC || type === MessageType.SYNC_ACK || type === MessageType.SYNCED;
    if (type === MessageType.SYNC_ACK) {
      this.acknowledged(peer, readAck(payload));
      return true;
    }
    if (type === MessageType.SYNCED) {
      this.emit('peer:caught-up', link);
      return true;
    }
    if (type !== MessageType.SYNC) return false;
    const message = readSyncMessage(payload);
    if (message.kind === SyncKind.STEP1) {
      const step2 = writeStep2(this.doc, message.data);
      if (!link.send(MessageType.SYNC, step2)) {
        // Over maxPeerMessageBytes, or the backlog is full: the peer cannot catch up this way.
        this.log.warn({ peer: link.remote.name, bytes: step2.byteLength }, 'sync step 2 not sent');
      }
      if ((message.flags & SYNC_BACK) !== 0) link.send(MessageType.SYNC, writeStep1(this.doc));
      return true;
    }
    try {
      Y.applyUpdate(this.doc, message.data, new RemoteOrigin(link.remote.name));
    } catch (err) {
      throw new ProtocolError(`peer update could not be applied: ${(err as Error).message}`);
    }
    if (message.seq > 0) link.send(MessageType.SYNC_ACK, writeAck(message.seq));
    if (message.kind === SyncKind.STEP2 && !peer.synced) {
      peer.synced = true;
      // Tell the peer we caught up: from now on it counts us in gate placement.
      link.send(MessageType.SYNCED, new Uint8Array(0));
      this.emit('peer:synced', link.remote.name);
    }
    return true;
  }

  /**
   * Resolves when every peer linked now has acknowledged the local changes made so far, when its link
   * closes, or after `replicationAckTimeoutMs`, whichever comes first. Never rejects.
   */
  whenReplicated(): Promise<void> {
    const targets = [...this.peers.values()];
    if (targets.length === 0 || this.options.replicationAckTimeoutMs === 0) return Promise.resolve();
    // The pending updates go out in the next flush, which takes the next sequence number.
    const seq = this.pending.length > 0 ? this.seq + 1 : this.seq;
    const waits = targets
      .filter((peer) => peer.acked < seq)
      .map((peer) => new Promise<void>((resolve) => peer.waiters.push({ seq, resolve })));
    if (waits.length === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = this.options.clock.setTimeout(() => {
        this.log.warn({ seq }, 'replication ack timeout');
        resolve();
      }, this.options.replicationAckTimeoutMs);
      void Promise.all(waits).then(() => {
        this.options.clock.clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Pushes pending updates now (graceful shutdown) and waits for them to be acknowledged. */
  async flushNow(): Promise<void> {
    this.flush();
    await this.whenReplicated();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    if (this.options.pushCoalesceMs > 0) this.options.clock.setTimeout(() => this.flush(), this.options.pushCoalesceMs);
    else this.options.clock.defer(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    const update = this.pending.length === 1 ? this.pending[0]! : Y.mergeUpdates(this.pending);
    this.pending = [];
    const seq = ++this.seq;
    const message = writeUpdateMessage(update, seq);
    for (const peer of this.peers.values()) {
      if (!peer.link.send(MessageType.SYNC, message)) {
        // Dropped (backlog over the limit or link closing): a fresh sync repairs it after the drain.
        peer.resync = true;
      }
    }
    this.emit('update:pushed', message.byteLength);
  }

  private acknowledged(peer: PeerState, seq: number): void {
    if (seq <= peer.acked) return;
    peer.acked = seq;
    const still: Waiter[] = [];
    for (const waiter of peer.waiters) {
      if (waiter.seq <= seq) waiter.resolve();
      else still.push(waiter);
    }
    peer.waiters = still;
  }

  private release(peer: PeerState): void {
    for (const waiter of peer.waiters) waiter.resolve();
    peer.waiters = [];
  }

  private antiEntropy(): void {
    for (const peer of this.peers.values()) {
      if (peer.link.open) peer.link.send(MessageType.SYNC, writeStep1(this.doc));
    }
  }
}
