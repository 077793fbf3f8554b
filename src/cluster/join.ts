/**
 * Joining: when a starting node may run gates, say SYNCED to its peers and report ready. The one home
 * of the concept (docs/protocol.md, "Joining"); every other component only reports facts to it.
 *
 *   starting --afterStart--> joining --all conditions hold--> joined      (stop: -> stopped)
 *
 * A node in `joining` runs no gate (membership leaves self out of placement), tells no peer SYNCED
 * (so no peer places gates on it) and is not ready, so a node whose replica does not yet hold the lot
 * never answers for it. It becomes `joined`, once and for good, when all of these hold:
 * - the join window has passed (discovery.joinWindowMs: how long the strategy takes to report the
 *   peers already there; ~1 s for mDNS answers, 0 for static and DNS);
 * - the first discovery round is over, when the strategy has one (a DNS poll answered or failed);
 * - every peer found before then was tried once (the dialer's initial set);
 * - this replica holds what every linked peer had (each link's first step 2 arrived).
 * The conditions are checked again whenever one may have changed: a dial attempt, a step 2, a link
 * down, the end of the window, the end of the first round.
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
import type { Dialer } from './dialer.js';
import type { Membership } from './membership.js';
import type { Replicator } from './replicator.js';

/** Where a node is in joining its cluster. */
export type JoinState = 'starting' | 'joining' | 'joined' | 'stopped';

export interface JoinOptions {
  clock: Clock;
  logger: Logger;
  registrar: Registrar;
  membership: Membership;
  replicator: Replicator;
  dialer: Dialer;
  discovery: Discovery;
}

export interface JoinEvents {
  /** The node has joined: it runs gates from now on. */
  'join:done': [];
}

export class Join extends EventEmitter<JoinEvents> implements Startable, LinkObserver {
  readonly name = 'join';
  private readonly options: JoinOptions;
  private readonly log: Logger;
  private current: JoinState = 'starting';
  private windowEnds = Number.POSITIVE_INFINITY;
  private roundsPending = 0;
  private timer: TimerHandle | undefined;

  constructor(options: JoinOptions) {
    super();
    this.options = options;
    this.log = options.logger.child({ component: 'join' });
    const { registrar, replicator, membership, dialer, discovery } = options;
    registrar.observe(this);
    replicator.on('peer:state-received', () => this.check());
    replicator.on('peer:synced', (link) => membership.peerSynced(link));
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

  /** The same process is still linked on the kept link: nothing changes. */
  onLinkReplaced(): void {}

  /** Checks the conditions again; joins when they all hold. */
  check(): void {
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
    this.current = 'joined';
    this.log.info({ peers: this.options.membership.liveNames().length - 1 }, 'joined');
    this.options.membership.setSelfReady(true);
    this.options.replicator.startAnnouncing();
    this.emit('join:done');
  }
}
