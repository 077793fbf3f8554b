/**
 * When a starting node has joined: until then it runs no gate, says no SYNCED, and is not ready, so a
 * node whose replica does not yet hold the lot never answers for it (docs/protocol.md, "Joining").
 *
 * Joined, once and for good, when all of these hold:
 * - the join window has passed (how long discovery takes to report peers: ~1 s for mDNS answers);
 * - the first discovery round is over, when the strategy has one (a DNS poll answered or failed);
 * - every peer found before then was tried once (the dialer's initial set);
 * - every link is caught up (its first step 2 arrived).
 * The conditions are re-checked whenever one may have changed: a dial attempt, a sync, a link down,
 * the end of the window, the end of the first round.
 */
import type { Clock, TimerHandle } from '../clock.js';

export interface JoinGateOptions {
  clock: Clock;
  /** Listen for peers this long after start before joining alone. */
  windowMs: number;
  /** Peers found before joining that have not been tried once yet. */
  pendingDials: () => number;
  /** True when every link's first step 2 arrived. */
  allSynced: () => boolean;
  /** Called once, when the node has joined. */
  onJoined: () => void;
}

export class JoinGate {
  private readonly options: JoinGateOptions;
  private windowEnds = Number.POSITIVE_INFINITY;
  private roundsPending = 0;
  private timer: TimerHandle | undefined;
  private done = false;

  constructor(options: JoinGateOptions) {
    this.options = options;
  }

  /** True once the node has joined. */
  get joined(): boolean {
    return this.done;
  }

  /** Starts the window (call when the node is running and its discovery started). */
  open(): void {
    this.windowEnds = this.options.clock.monotonic() + this.options.windowMs;
    this.check();
  }

  /** Waits for a discovery round (e.g. the first DNS poll) before joining. */
  waitFor(round: Promise<void>): void {
    this.roundsPending++;
    void round.then(() => {
      this.roundsPending--;
      this.check();
    });
  }

  /** Re-checks the conditions; joins when they all hold. */
  check(): void {
    if (this.done) return;
    const { clock } = this.options;
    const early = this.windowEnds - clock.monotonic();
    if (early > 0) {
      if (early === Number.POSITIVE_INFINITY) return; // not opened yet
      // Look again when the window closes (a timer may fire a little early: checked again then).
      if (this.timer === undefined) {
        this.timer = clock.setTimeout(() => {
          this.timer = undefined;
          this.check();
        }, Math.ceil(early) + 1);
        this.timer.unref?.();
      }
      return;
    }
    if (this.roundsPending > 0 || this.options.pendingDials() > 0 || !this.options.allSynced()) return;
    this.done = true;
    this.options.onJoined();
  }

  /** Cancels the window timer (node stopping). */
  close(): void {
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
