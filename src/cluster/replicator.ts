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
 * - A link replaced by its duplicate (both ends dialed at once) hands its waiters to the kept link,
 *   marked as resyncing: messages in flight on the closed link may be lost, so only the ack of a step
 *   2 sent on the kept link releases them.
 *
 * The replicator speaks SYNC, SYNC_ACK and SYNCED (registered with the registrar) and tells, per link:
 * `peer:state-received` once the peer's first step 2 arrived (this replica holds what the peer had),
 * and `peer:synced` when the peer said SYNCED (it holds our lot and has joined).
 */
import { EventEmitter } from 'node:events';
import * as Y from 'yjs';
import type { Clock, TimerHandle } from '../clock.js';
import type { Logger } from '../log.js';
import { ProtocolError } from '../errors.js';
import type { LotDocument } from '../crdt/lot-document.js';
import {
  readAck,
  readSyncMessage,
  RUNS_GATES,
  SYNC_BACK,
  SyncKind,
  writeAck,
  writeStep1,
  writeStep2,
  writeUpdateMessage,
} from '../crdt/sync-messages.js';
import type { Startable } from '../lifecycle.js';
import { MessageType } from '../message-types.js';
import type { LinkObserver, Registrar } from '../transport/registrar.js';
import { awaitAcks, PeerAcks } from './peer-acks.js';
import type { PeerLink } from '../transport/types.js';

/** Transaction origin of every change applied from a peer. */
export class RemoteOrigin {
  constructor(readonly peer: string) {}
}

export interface ReplicatorOptions {
  lot: LotDocument;
  clock: Clock;
  logger: Logger;
  /** Where the replicator registers its message types and its link observer. */
  registrar: Registrar;
  antiEntropyIntervalMs: number;
  replicationAckTimeoutMs: number;
  pushCoalesceMs: number;
  /**
   * Whether this node tells peers SYNCED from the start. Default true; a node that joins starts false
   * and calls {@link Replicator.startAnnouncing} once it has joined: until then peers must not place
   * gates on it.
   */
  announcing?: boolean;
}

interface PeerState {
  link: PeerLink;
  /** Its first step 2 arrived: we hold what it had when the link came up. */
  synced: boolean;
  acks: PeerAcks;
  /** Step 1s sent on this link, and step 2s received: the peer answers each step 1 with one step 2, in order. */
  step1Sent: number;
  step2Received: number;
  /** The peer's last step 2 said it has joined and is not fenced (RUNS_GATES). */
  runsGates: boolean;
}

export interface ReplicatorEvents {
  /** The first step 2 from this peer arrived: we hold everything it had when the link came up. */
  'peer:state-received': [PeerLink];
  /** The peer said SYNCED: it holds our lot and has joined, so it may run gates. */
  'peer:synced': [PeerLink];
  /** A step 2 from this peer arrived (any, not only the first): see {@link Replicator.syncedSince}. */
  'peer:step2': [PeerLink];
  /** A local update was pushed (bytes per peer), for metrics and benchmarks. */
  'update:pushed': [number];
}

const EMPTY = new Uint8Array(0);

export class Replicator extends EventEmitter<ReplicatorEvents> implements Startable, LinkObserver {
  readonly name = 'replicator';
  private readonly options: ReplicatorOptions;
  private announcing: boolean;
  private readonly log: Logger;
  private readonly doc: Y.Doc;
  private readonly peers = new Map<PeerLink, PeerState>();
  /** Waits of {@link whenSyncedSince}, checked again when a link goes. */
  private readonly linkWatchers = new Set<() => void>();
  private pending: Uint8Array[] = [];
  private flushScheduled = false;
  /** Sequence numbers of every acknowledged message we send (pushed updates and step 2s). */
  private seq = 0;
  /** The seq of the last pushed update. */
  private lastPushSeq = 0;
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
    this.announcing = options.announcing ?? true;
    const { registrar } = options;
    registrar.handle(MessageType.SYNC, this.name, (link, payload) => this.handle(link, MessageType.SYNC, payload));
    registrar.handle(MessageType.SYNC_ACK, this.name, (link, payload) => this.handle(link, MessageType.SYNC_ACK, payload));
    registrar.handle(MessageType.SYNCED, this.name, (link, payload) => this.handle(link, MessageType.SYNCED, payload));
    registrar.observe(this);
  }

  onLinkUp(link: PeerLink): void {
    this.addLink(link);
  }

  onLinkDown(link: PeerLink): void {
    this.removeLink(link);
  }

  onLinkReplaced(previous: PeerLink, next: PeerLink): void {
    const old = this.peers.get(previous);
    this.peers.delete(previous);
    const peer = this.addLink(next);
    if (old === undefined) return;
    peer.synced = old.synced;
    old.acks.handOver(peer.acks);
  }

  /** Graceful stop: push pending deltas and wait for their acks (after the gates drained). */
  async beforeStop(): Promise<void> {
    await this.flushNow();
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
    for (const peer of this.peers.values()) peer.acks.release();
    this.peers.clear();
  }

  addLink(link: PeerLink): PeerState {
    const peer: PeerState = { link, synced: false, acks: new PeerAcks(), step1Sent: 0, step2Received: 0, runsGates: false };
    // Until the peer acknowledged our first step 2, its acks prove nothing: an update we pushed before
    // may sit in its Yjs pending store, waiting for what only the step 2 carries.
    peer.acks.dropped();
    this.peers.set(link, peer);
    link.on('drain', () => {
      if (!peer.acks.awaitingResync) return;
      this.log.info({ peer: link.remote.name }, 'backlog dropped, resyncing');
      this.sendStep1(peer, SYNC_BACK);
    });
    link.on('overflow', () => peer.acks.dropped());
    this.sendStep1(peer);
    return peer;
  }

  private sendStep1(peer: PeerState, flags = 0): void {
    if (peer.link.send(MessageType.SYNC, writeStep1(this.doc, flags))) peer.step1Sent++;
  }

  /**
   * Asks every linked peer for what this replica misses (a step 1 each) and returns a mark: once
   * {@link syncedSince} is true for it, this replica holds everything each of those peers had when
   * the question arrived (or the peer's link closed). A takeover and an end of fencing wait for it.
   */
  syncAll(): Map<PeerLink, number> {
    this.flush();
    const mark = new Map<PeerLink, number>();
    for (const peer of this.peers.values()) {
      if (!peer.link.open) continue;
      this.sendStep1(peer);
      mark.set(peer.link, peer.step1Sent);
    }
    return mark;
  }

  /** True when every peer of `mark` still linked has answered the step 1s counted in it. */
  syncedSince(mark: Map<PeerLink, number>): boolean {
    for (const [link, count] of mark) {
      const peer = this.peers.get(link);
      if (peer !== undefined && peer.step2Received < count) return false;
    }
    return true;
  }

  /** Resolves once {@link syncedSince}(`mark`) holds: checked at every step 2 and link down. */
  whenSyncedSince(mark: Map<PeerLink, number>): Promise<void> {
    if (this.syncedSince(mark)) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if (!this.syncedSince(mark)) return;
        this.off('peer:step2', check);
        this.linkWatchers.delete(check);
        resolve();
      };
      this.on('peer:step2', check);
      this.linkWatchers.add(check);
    });
  }

  /** Whether the peer on `link` said in its last step 2 that it may run gates. */
  peerRunsGates(link: PeerLink): boolean {
    return this.peers.get(link)?.runsGates ?? false;
  }

  /** Whether the peer on `link` has sent a step 2 on it. */
  peerStateReceived(link: PeerLink): boolean {
    return this.peers.get(link)?.synced ?? false;
  }

  removeLink(link: PeerLink): void {
    const peer = this.peers.get(link);
    if (peer === undefined) return;
    this.peers.delete(link);
    peer.acks.release();
    for (const check of [...this.linkWatchers]) check();
  }

  /** True when every linked peer has sent its first step 2. */
  allSynced(): boolean {
    for (const peer of this.peers.values()) if (!peer.synced) return false;
    return true;
  }

  /** This node has joined: tell every peer whose lot we hold (SYNCED), and every one after its step 2. */
  startAnnouncing(): void {
    this.announcing = true;
    for (const peer of this.peers.values()) if (peer.synced) peer.link.send(MessageType.SYNCED, EMPTY);
  }

  /** This node is fenced: no more SYNCED, and step 2s say it runs no gate, until it announces again. */
  stopAnnouncing(): void {
    this.announcing = false;
  }

  /** Handles SYNC, SYNC_ACK and SYNCED; returns false for other types. Throws ProtocolError on bad bytes. */
  handle(link: PeerLink, type: number, payload: Uint8Array): boolean {
    const peer = this.peers.get(link);
    if (peer === undefined) return type === MessageType.SYNC || type === MessageType.SYNC_ACK || type === MessageType.SYNCED;
    if (type === MessageType.SYNC_ACK) {
      peer.acks.acknowledged(readAck(payload));
      return true;
    }
    if (type === MessageType.SYNCED) {
      this.emit('peer:synced', link);
      return true;
    }
    if (type !== MessageType.SYNC) return false;
    const message = readSyncMessage(payload);
    if (message.kind === SyncKind.STEP1) {
      if (!this.options.lot.hasWritten) this.options.lot.notePeerClients(Y.decodeStateVector(message.data).keys());
      this.sendStep2(peer, message.data);
      if ((message.flags & SYNC_BACK) !== 0) this.sendStep1(peer);
      return true;
    }
    try {
      Y.applyUpdate(this.doc, message.data, new RemoteOrigin(link.remote.name));
    } catch (err) {
      throw new ProtocolError(`peer update could not be applied: ${(err as Error).message}`);
    }
    if (message.seq > 0) link.send(MessageType.SYNC_ACK, writeAck(message.seq));
    if (message.kind === SyncKind.STEP2) {
      const first = !peer.synced;
      peer.synced = true;
      peer.step2Received++;
      peer.runsGates = (message.flags & RUNS_GATES) !== 0;
      // After every step 2 (not only the first: a SYNCED lost in a dropped backlog is said again at
      // the next anti-entropy round), tell the peer we hold its lot, once we run gates ourselves.
      if (this.announcing) link.send(MessageType.SYNCED, EMPTY);
      if (first) this.emit('peer:state-received', link);
      this.emit('peer:step2', link);
    }
    return true;
  }

  /**
   * Resolves true once every peer linked now has acknowledged the local changes made so far, or its
   * link closed (the peer is dead or left: it gets the changes by step 2 if it returns); false when
   * `replicationAckTimeoutMs` passed first: then the changes are not known to be on every live
   * replica, and an answer resting on them is "outcome unknown" (docs/data-model.md). Never rejects.
   * With `replicationAckTimeoutMs: 0` nothing is awaited and everything counts as confirmed.
   */
  whenReplicated(): Promise<boolean> {
    const targets = [...this.peers.values()];
    if (targets.length === 0 || this.options.replicationAckTimeoutMs === 0) return Promise.resolve(true);
    // Pending updates go out in the next push, which takes a later sequence number than any so far;
    // any message we send after now carries them too (a step 2 holds the whole document).
    const seq = this.pending.length > 0 ? this.seq + 1 : this.lastPushSeq;
    return awaitAcks(
      targets.map((peer) => peer.acks),
      seq,
      this.options.clock,
      this.options.replicationAckTimeoutMs,
      () => this.log.warn({ seq }, 'replication ack timeout'),
    );
  }

  /** Pushes pending updates now (graceful shutdown) and waits for them to be acknowledged. */
  async flushNow(): Promise<boolean> {
    this.flush();
    return this.whenReplicated();
  }

  private sendStep2(peer: PeerState, stateVector: Uint8Array): void {
    const seq = ++this.seq;
    const step2 = writeStep2(this.doc, stateVector, seq, this.announcing ? RUNS_GATES : 0);
    if (!peer.link.send(MessageType.SYNC, step2)) {
      // Over maxPeerMessageBytes, or the backlog is full: the peer cannot catch up this way.
      this.log.warn({ peer: peer.link.remote.name, bytes: step2.byteLength }, 'sync step 2 not sent');
      peer.acks.dropped();
      return;
    }
    // The first step 2 after a drop carries everything dropped: its ack ends the resync.
    peer.acks.step2Sent(seq);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    if (this.options.pushCoalesceMs > 0) this.options.clock.setTimeout(() => this.flush(), this.options.pushCoalesceMs);
    else this.options.clock.defer(() => this.flush());
  }

  /** Pushes the pending updates now, so that a message sent after this follows them on every link. */
  flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    const update = this.pending.length === 1 ? this.pending[0]! : Y.mergeUpdates(this.pending);
    this.pending = [];
    const seq = ++this.seq;
    this.lastPushSeq = seq;
    const message = writeUpdateMessage(update, seq);
    for (const peer of this.peers.values()) {
      // Dropped (backlog over the limit or link closing): a resync repairs it once the link drains.
      if (!peer.link.send(MessageType.SYNC, message)) peer.acks.dropped();
    }
    this.emit('update:pushed', message.byteLength);
  }

  private antiEntropy(): void {
    for (const peer of this.peers.values()) {
      if (peer.link.open) this.sendStep1(peer);
    }
  }
}
