/**
 * Where a gate moves when the cluster changes, and when it may start here. On every change of the
 * placement view (membership's `view:changed`: a member up, down, left, synced, or this node joined
 * or was fenced) the gate table is recomputed from the whole view (placement.ts, rendezvous hashing).
 *
 * A gate placed elsewhere is released at once: its worker drains, then every peer is told (claims.ts).
 * A gate placed here starts only when it is safe to decide on this replica:
 * - no live peer claims it any more (its previous owner released it: a graceful handoff, whose writes
 *   arrived before the release on the ordered link), and
 * - this replica has synced with every linked peer since the gate became ours (a step 1 each, and
 *   their step 2s: the takeover sync), so the writes of an owner that died, which may have reached
 *   only some survivors, are here before the first decision.
 * So while the cluster is connected a gate never runs on two nodes, and a new owner never decides on
 * a state that lacks what a reachable replica holds. Commands meanwhile are retried by the router.
 */
import { EventEmitter } from 'node:events';
import type { Clock } from '../clock.js';
import type { Membership } from '../cluster/membership.js';
import type { Replicator } from '../cluster/replicator.js';
import type { Startable } from '../lifecycle.js';
import type { Logger } from '../log.js';
import type { GateClaims } from './claims.js';
import type { GateService } from './gate-service.js';
import type { GateMove, GateTable } from './gate-table.js';

export interface RebalancerOptions {
  /** This node's name. */
  self: string;
  membership: Membership;
  table: GateTable;
  service: GateService;
  claims: GateClaims;
  replicator: Replicator;
  clock: Clock;
  logger: Logger;
}

/** A gate's worker started or stopped on this node. */
export interface GateRun {
  gate: number;
  node: string;
}

export interface RebalancerEvents {
  'gate:moved': [GateMove];
  /** The worker of a gate started here: this node decides for it from now on. */
  'gate:started': [GateRun];
  /** The worker of a gate stopped here (drained): this node decides nothing more for it. */
  'gate:stopped': [GateRun];
}

export class Rebalancer extends EventEmitter<RebalancerEvents> implements Startable {
  readonly name = 'rebalancer';
  private readonly options: RebalancerOptions;
  private readonly log: Logger;
  /** Gates placed here whose worker has not started yet. */
  private readonly waiting = new Set<number>();
  /** Gates whose worker here is draining after a release (until it stopped): never started again before. */
  private readonly draining = new Map<number, Promise<void>>();
  private starting = false;
  private again = false;
  private stopped = false;

  constructor(options: RebalancerOptions) {
    super();
    this.options = options;
    this.log = options.logger.child({ component: 'rebalancer' });
    options.membership.on('view:changed', (names) => options.table.update(names));
    options.table.on('gate:moved', (move) => this.moved(move));
    options.claims.on('claims:changed', () => {
      this.yieldConflicts();
      this.startWaiting();
    });
    // A peer is "up" once no gate runs on both of us: its member:up waits for the releases that its
    // claims started ('claims:changed' comes first), and any other drain under way.
    options.claims.on('claims:known', (link) => {
      void Promise.all(this.draining.values()).then(() => options.membership.introduce(link));
    });
  }

  /** Places the gates on the view as it is now (no gate on a node that has not joined). */
  start(): void {
    this.stopped = false;
    this.options.table.update(this.options.membership.placementNames());
  }

  /** Graceful stop: no gate starts any more, and every running one is drained, released and announced. */
  async beforeStop(): Promise<void> {
    this.stopped = true;
    this.waiting.clear();
    await Promise.all(this.options.service.owned().map((gate) => this.release(gate)));
  }

  stop(): void {
    this.stopped = true;
    this.waiting.clear();
  }

  /** Gates placed here and waiting for their previous owner's release or the takeover sync. */
  waitingGates(): number[] {
    return [...this.waiting].sort((a, b) => a - b);
  }

  private moved(move: GateMove): void {
    const { self } = this.options;
    this.log.info({ gate: move.gate, from: move.from, to: move.to }, 'gate moved');
    this.emit('gate:moved', move);
    if (move.to === self) {
      this.waiting.add(move.gate);
      this.startWaiting();
    } else if (move.from === self) {
      this.waiting.delete(move.gate);
      void this.release(move.gate);
    }
  }

  private release(gate: number): Promise<void> {
    const { service } = this.options;
    const draining = this.draining.get(gate);
    if (draining !== undefined) return draining;
    if (!service.runs(gate)) return Promise.resolve();
    const drained = this.drain(gate);
    this.draining.set(gate, drained);
    return drained;
  }

  private async drain(gate: number): Promise<void> {
    const { service, claims, self } = this.options;
    await service.release(gate);
    this.draining.delete(gate);
    this.emit('gate:stopped', { gate, node: self });
    claims.announce();
    // It may have been placed here again while it drained.
    if (this.waiting.has(gate)) this.startWaiting();
  }

  /**
   * A gate that runs here and that a linked peer says it runs too: two sides of a healed partition
   * (each ran the gates it could not see being run), or two nodes started at once. The node with the
   * smaller name keeps it; the other releases it at once, on the claim, not a SYNCED round trip later
   * when the placement moves it: the double run then lasts the claim's one message delay. The
   * placement decides afterwards where the gate runs (a release is waited for as usual).
   */
  private yieldConflicts(): void {
    const { service, claims, self, table } = this.options;
    for (const gate of service.owned()) {
      const runner = claims.runner(gate);
      if (runner === undefined || runner.relayed || runner.name > self) continue;
      this.log.warn({ gate, peer: runner.name }, 'gate also runs on a peer: released here (the smaller name keeps it)');
      if (table.owner(gate) === self) this.waiting.add(gate);
      void this.release(gate);
    }
  }

  /** Starts the waiting gates no peer claims, after one takeover sync for all of them. */
  private startWaiting(): void {
    if (this.starting) {
      this.again = true;
      return;
    }
    this.starting = true;
    void this.startRound().finally(() => {
      this.starting = false;
      // Asked again after the round's last look (its promise settles a microtask later): look again.
      if (this.again) this.startWaiting();
    });
  }

  private async startRound(): Promise<void> {
    const { claims, replicator, service, self } = this.options;
    do {
      this.again = false;
      if (this.stopped) return;
      const free = [...this.waiting].filter((gate) => claims.claimant(gate) === undefined && !this.draining.has(gate));
      if (free.length === 0) continue;
      const began = this.options.clock.monotonic();
      await replicator.whenSyncedSince(replicator.syncAll());
      const started: number[] = [];
      for (const gate of free) {
        // Still ours and still free after the sync (the view or the claims may have moved meanwhile).
        if (this.stopped || !this.waiting.has(gate) || claims.claimant(gate) !== undefined || this.draining.has(gate)) continue;
        if (this.options.table.owner(gate) !== self) continue;
        this.waiting.delete(gate);
        service.acquire(gate);
        started.push(gate);
      }
      if (started.length === 0) continue;
      this.log.info({ gates: started, syncMs: Math.round(this.options.clock.monotonic() - began) }, 'gates started');
      for (const gate of started) this.emit('gate:started', { gate, node: self });
      claims.announce();
    } while (this.again);
  }
}
