/**
 * Joining: when a starting node may run gates, say SYNCED to its peers and report ready; and fencing:
 * when a joined node may no longer trust its replica. The one home of the concept (docs/protocol.md,
 * "Joining" and "Fencing"); every other component only reports facts to it.
 *
 *   starting --afterStart--> joining --all conditions hold--> joined <--re-synced-- fenced
 *                                                               \--stalled, or lost every peer--^
 *   (stop: -> stopped)
 *
 * A node in `joining` runs no gate (membership leaves self out of placement), tells no peer SYNCED
 * (so no peer places gates on it) and is not ready, so a node whose replica does not yet hold the lot
 * never answers for it. It becomes `joined`, once and for good, when all of these hold:
 * - the join window has passed (discovery.joinWindowMs: how long the strategy takes to report the
 *   peers already there; ~1 s for mDNS answers, 0 for static and DNS);
 * - the first discovery round is over, when the strategy has one (a DNS poll answered or failed);
 * - every peer found before then was tried once (the dialer's initial set);
 * - this replica holds what every linked peer had (each link's first step 2 arrived);
 * - every node that a linked peer says runs gates (relayed claims, src/gates/claims.ts) is linked
 *   here too: a runner's answer waits for its linked peers only, so one not linked here may have
 *   acknowledged writes this replica lacks, and would not wait for this node to hold its next ones;
 * - every linked peer that runs gates (its step 2 says so) has said SYNCED: it counts us in its
 *   placement, so our first placement is the same as its and we never take a gate it still thinks
 *   its own (the gate itself starts only once its previous owner released it: src/gates/claims.ts).
 * The conditions are checked again whenever one may have changed: a dial attempt, a step 2, a
 * SYNCED, a link up or down, the end of the window, the end of the first round.
 *
 * A joined node is **fenced** when its own heartbeat notices that the process stalled (membership's
 * 'self:stalled': peers may have declared it dead and taken its gates meanwhile), or when it is left
 * with no linked peer and at least one was lost to silence (a heartbeat timeout: it cannot tell a
 * silent node from a partition in which the others run on). Peers that crashed (their sockets closed)
 * or left do not fence it: they run nothing any more. Fenced, it runs no gate, says no SYNCED and is not ready; it asks every
 * linked peer for what it misses (a step 1 each) and is joined again once each of them answered, at
 * least one peer is linked, the peers that run gates said SYNCED, and every gate runner a peer tells
 * of is linked and has sent its state (a thawed node re-links one peer at a time; the ones it has not
 * re-linked yet kept acknowledging writes without it). A node cut off from all its
 * peers therefore stays fenced until one comes back (or it is restarted, which is a fresh join).
 *
 * It also carries the other direction of readiness: a peer that says SYNCED holds our lot and has
 * joined, so membership may place gates on it (`peer:synced` -> membership.peerSynced).
 */
import { EventEmitter } from 'node:events';
import type { Clock, TimerHandle } from '../clock.js';
import type { Discovery } from '../discovery/types.js';
import type { Startable } from '../lifecycle.js';
import type { Logger } from '../log.js';
import type { LinkObserver, Registrar } from '../transport/registrar.js';
import type { GateClaims } from '../gates/claims.js';
import type { Dialer } from './dialer.js';
import type { Membership } from './membership.js';
import type { Replicator } from './replicator.js';
import type { PeerLink } from '../transport/types.js';

/** Where a node is in joining its cluster. */
export type JoinState = 'starting' | 'joining' | 'joined' | 'fenced' | 'stopped';

export interface JoinOptions {
  clock: Clock;
  logger: Logger;
  registrar: Registrar;
  membership: Membership;
  replicator: Replicator;
  dialer: Dialer;
  discovery: Discovery;
  /** Who runs which gate, as the peers tell (own and relayed claims). */
  claims: GateClaims;
}

export interface JoinEvents {
  /** The node has joined: it runs gates from now on. */
  'join:done': [];
  /** The node is fenced (see above): it runs no gate until it has re-synced. */
  'join:fenced': [string];
  /** The node re-synced after being fenced: it runs gates again. */
  'join:unfenced': [];
}

export class Join extends EventEmitter<JoinEvents> implements Startable, LinkObserver {
  readonly name = 'join';
  private readonly options: JoinOptions;
  private readonly log: Logger;
  private current: JoinState = 'starting';
  private windowEnds = Number.POSITIVE_INFINITY;
  private roundsPending = 0;
  private timer: TimerHandle | undefined;
  /** Why the node is fenced, and the step 1s it must see answered before it runs gates again. */
  private fence: { reason: string; mark: Map<PeerLink, number> } | undefined;

  constructor(options: JoinOptions) {
    super();
    this.options = options;
    this.log = options.logger.child({ component: 'join' });
    const { registrar, replicator, membership, dialer, discovery } = options;
    registrar.observe(this);
    replicator.on('peer:state-received', () => this.check());
    replicator.on('peer:step2', () => this.check());
    replicator.on('peer:synced', (link) => {
      membership.peerSynced(link);
      this.check();
    });
    membership.on('self:stalled', ({ gapMs }) => {
      if (membership.liveNames().length > 1) this.fenceNow(`stalled for ${Math.round(gapMs)} ms`);
    });
    // Before the view changes (membership emits member:down first): a node left alone after a silence
    // never takes a gate. Alone after crashes only (every lost peer's socket closed), it carries on:
    // a dead process runs nothing, and what it acknowledged was acknowledged by this node too.
    membership.on('member:down', () => {
      if (membership.linkedMembers().length === 0 && membership.lostToSilence().length > 0) this.fenceNow('lost every peer');
    });
    options.claims.on('claims:changed', () => this.check());
    dialer.on('dial:attempted', () => this.check());
    // Peers found before this node joined are waited for (tried once) before it runs gates.
    discovery.on('peer:found', (peer) => dialer.add(peer.address, this.current !== 'joined'));
    discovery.on('peer:lost', (peer) => dialer.remove(peer.address));
  }

  get state(): JoinState {
    return this.current;
  }

  get joined(): boolean {
    return this.current === 'joined';
  }

  /** The gate runners a peer tells of that this node is not linked to yet: joining and unfencing wait for them. */
  waitingFor(): string[] {
    return this.options.claims.unlinkedRunners();
  }

  /** Why the node is fenced (undefined when it is not). */
  get fenceReason(): string | undefined {
    return this.fence?.reason;
  }

  start(): void {
    // Nothing until every component runs: see afterStart.
  }

  /** Discovery has started: wait for the peers it knows and its first round, open the window. */
  afterStart(): void {
    const { discovery, dialer, clock } = this.options;
    for (const peer of discovery.peers()) dialer.add(peer.address, true);
    const first = discovery.firstRound?.();
    if (first !== undefined) {
      this.roundsPending++;
      void first.then(() => {
        this.roundsPending--;
        this.check();
      });
    }
    this.windowEnds = clock.monotonic() + (discovery.joinWindowMs ?? 0);
    this.current = 'joining';
    this.check();
  }

  stop(): void {
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.current !== 'joined') this.current = 'stopped';
  }

  /** A peer gone may be the one the node was waiting for. */
  onLinkDown(): void {
    this.check();
  }

  /** A new peer may be the one a fenced node re-syncs with. */
  onLinkUp(): void {
    this.check();
  }

  /** The same process is still linked on the kept link: nothing changes. */
  onLinkReplaced(): void {}

  /** Stops running gates until this replica has re-synced with the peers (see above). */
  private fenceNow(reason: string): void {
    if (this.current !== 'joined') return;
    const { membership, replicator } = this.options;
    this.current = 'fenced';
    this.log.warn({ reason }, 'fenced: running no gate until re-synced with the peers');
    replicator.stopAnnouncing();
    membership.setSelfReady(false);
    this.fence = { reason, mark: replicator.syncAll() };
    this.emit('join:fenced', reason);
    this.check();
  }

  /**
   * Every linked peer's state is here, every one that runs gates counts us in (SYNCED), and every node
   * a peer says runs gates is linked to us: a runner acknowledges its writes once its linked peers hold
   * them, so until it links to us (and its step 2 arrived) it may have acknowledged writes this replica
   * lacks, and it would not wait for us to hold its next ones.
   */
  private peersSettled(): boolean {
    const { membership, replicator, claims } = this.options;
    if (claims.unlinkedRunners().length > 0) return false;
    for (const m of membership.linkedMembers()) {
      if (!replicator.peerStateReceived(m.link)) return false;
      if (replicator.peerRunsGates(m.link) && !m.synced) return false;
    }
    return true;
  }

  /** Checks the conditions again; joins (or ends fencing) when they all hold. */
  check(): void {
    if (this.current === 'fenced') return this.checkFence();
    if (this.current !== 'joining') return;
    const { clock } = this.options;
    const early = this.windowEnds - clock.monotonic();
    if (early > 0) {
      // Look again when the window closes (a timer may fire a little early: checked again then).
      if (this.timer === undefined) {
        this.timer = clock.setTimeout(
          () => {
            this.timer = undefined;
            this.check();
          },
          Math.ceil(early) + 1,
        );
        this.timer.unref?.();
      }
      return;
    }
    if (this.roundsPending > 0 || this.options.dialer.initialPending() > 0 || !this.options.replicator.allSynced()) return;
    if (!this.peersSettled()) return;
    this.current = 'joined';
    this.log.info({ peers: this.options.membership.liveNames().length - 1 }, 'joined');
    this.options.membership.setSelfReady(true);
    this.options.replicator.startAnnouncing();
    this.emit('join:done');
  }

  private checkFence(): void {
    const fence = this.fence;
    const { membership, replicator } = this.options;
    if (fence === undefined || !replicator.syncedSince(fence.mark)) return;
    if (membership.linkedMembers().length === 0 || !this.peersSettled()) return;
    this.current = 'joined';
    this.fence = undefined;
    this.log.info({ reason: fence.reason }, 'unfenced: re-synced with every linked peer');
    membership.setSelfReady(true);
    replicator.startAnnouncing();
    this.emit('join:unfenced');
  }
}
