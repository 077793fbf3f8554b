/**
 * What one peer has acknowledged of the sequenced messages we sent it (pushed updates and step 2s),
 * and the writers waiting for it. Acks are cumulative: messages on a link keep their order.
 *
 * After a dropped message (backlog over the limit, or a link replaced while messages were in
 * flight) the peer's acks prove nothing: a later update may sit in its Yjs pending store, waiting for
 * the dropped one. So until the ack of a step 2 sent after the drop (`resyncSeq`: it carries all
 * that was dropped), no waiter is released.
 */
import type { Clock } from '../clock.js';

/** A writer waiting until the peer acknowledged `seq`. */
export interface AckWaiter {
  seq: number;
  /** Settled (acked, released, or timed out): skipped from then on. */
  done: boolean;
  /** `acked`: the peer acknowledged; false when it was released (its link closed). */
  resolve: (acked: boolean) => void;
}

export class PeerAcks {
  /** Highest sequence number acknowledged. */
  private acked = 0;
  private resyncing = false;
  private resyncSeq: number | undefined;
  private waiters: AckWaiter[] = [];

  /** True when a write with sequence `seq` is not yet known to be held by the peer. */
  behind(seq: number): boolean {
    return this.resyncing || this.acked < seq;
  }

  /** True while a resync is needed and no step 2 for it has been sent yet. */
  get awaitingResync(): boolean {
    return this.resyncing && this.resyncSeq === undefined;
  }

  /** A message to the peer was lost: acks prove nothing until a later step 2 is acknowledged. */
  dropped(): void {
    this.resyncing = true;
    this.resyncSeq = undefined;
  }

  /** A step 2 went out with `seq`: the first one after a drop ends the resync once acknowledged. */
  step2Sent(seq: number): void {
    if (this.resyncing && this.resyncSeq === undefined) this.resyncSeq = seq;
  }

  /** Waits until the peer acknowledged `seq` (true) or release() (false). */
  wait(seq: number): { waiter: AckWaiter; settled: Promise<boolean> } {
    let waiter!: AckWaiter;
    const settled = new Promise<boolean>((resolve) => {
      waiter = {
        seq,
        done: false,
        resolve: (acked) => {
          waiter.done = true;
          resolve(acked);
        },
      };
    });
    this.waiters.push(waiter);
    return { waiter, settled };
  }

  /** The peer acknowledged everything up to `seq`. */
  acknowledged(seq: number): void {
    if (seq > this.acked) this.acked = seq;
    if (this.resyncing) {
      if (this.resyncSeq === undefined || this.acked < this.resyncSeq) return;
      this.resyncing = false;
      this.resyncSeq = undefined;
    }
    const still: AckWaiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.done) continue;
      if (waiter.seq <= this.acked) waiter.resolve(true);
      else still.push(waiter);
    }
    this.waiters = still;
  }

  /** Hands the waiters to `next` (the kept link of a replaced pair), which must resync first. */
  handOver(next: PeerAcks): void {
    next.waiters.push(...this.waiters.filter((w) => !w.done));
    this.waiters = [];
    if (next.waiters.length > 0) next.dropped();
  }

  /** The link closed: nobody waits for it any more (the waits end unacknowledged). */
  release(): void {
    for (const waiter of this.waiters) if (!waiter.done) waiter.resolve(false);
    this.waiters = [];
  }
}

/**
 * Resolves once every one of `peers` has acknowledged `seq` or was released (its link closed: the
 * peer is dead or left), or after `timeoutMs` (then `onTimeout` runs), whichever comes first. True
 * when they all settled and at least one acknowledged: the write is on another replica. False on the
 * timeout, and when every one of them went away without acknowledging: the write is then on this node
 * alone, which is no longer sure to be in the cluster (src/cluster/join.ts fences a node that lost
 * every peer), so an answer must not promise it. Never rejects.
 */
export function awaitAcks(peers: PeerAcks[], seq: number, clock: Clock, timeoutMs: number, onTimeout: () => void): Promise<boolean> {
  const waiters: AckWaiter[] = [];
  const waits = peers
    .filter((acks) => acks.behind(seq))
    .map((acks) => {
      const { waiter, settled } = acks.wait(seq);
      waiters.push(waiter);
      return settled;
    });
  if (waits.length === 0) return Promise.resolve(true);
  return new Promise<boolean>((resolve) => {
    const timer = clock.setTimeout(() => {
      onTimeout();
      for (const waiter of waiters) waiter.done = true; // dropped from their peers' lists lazily
      resolve(false);
    }, timeoutMs);
    void Promise.all(waits).then((acked) => {
      clock.clearTimeout(timer);
      // A peer that had acknowledged `seq` before the wait began holds it too.
      resolve(waits.length < peers.length || acked.some(Boolean));
    });
  });
}
