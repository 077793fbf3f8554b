/**
 * Where a gate moves when the cluster changes: on every change of the placement view (membership's
 * `view:changed`: a member up, down, left, synced, or this node joined) the gate table is recomputed
 * from the whole view (placement.ts, rendezvous hashing) and each gate that changed owner is acquired
 * (a worker starts here) or released (its worker drains and stops here).
 */
import { EventEmitter } from 'node:events';
import type { Membership } from '../cluster/membership.js';
import type { Startable } from '../lifecycle.js';
import type { Logger } from '../log.js';
import type { GateService } from './gate-service.js';
import type { GateMove, GateTable } from './gate-table.js';

export interface RebalancerOptions {
  /** This node's name. */
  self: string;
  membership: Membership;
  table: GateTable;
  service: GateService;
  logger: Logger;
}

export interface RebalancerEvents {
  'gate:moved': [GateMove];
}

export class Rebalancer extends EventEmitter<RebalancerEvents> implements Startable {
  readonly name = 'rebalancer';
  private readonly options: RebalancerOptions;
  private readonly log: Logger;

  constructor(options: RebalancerOptions) {
    super();
    this.options = options;
    this.log = options.logger.child({ component: 'rebalancer' });
    options.membership.on('view:changed', (names) => options.table.update(names));
    options.table.on('gate:moved', (move) => this.moved(move));
  }

  /** Places the gates on the view as it is now (no gate on a node that has not joined). */
  start(): void {
    this.options.table.update(this.options.membership.placementNames());
  }

  stop(): void {}

  private moved(move: GateMove): void {
    const { self, service } = this.options;
    if (move.to === self) service.acquire(move.gate);
    else if (move.from === self) void service.release(move.gate);
    this.log.info({ gate: move.gate, from: move.from, to: move.to }, 'gate moved');
    this.emit('gate:moved', move);
  }
}
