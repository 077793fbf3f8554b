/**
 * The gate table as this node sees it: gate -> the node running its worker, and since when. Rebuilt
 * from the whole live view on every change (placement.ts), never patched, so it cannot drift.
 */
import { EventEmitter } from 'node:events';
import type { Clock } from '../clock.js';
import type { GateAssignment } from '../types.js';
import { assignGates } from './placement.js';

export interface GateMove {
  gate: number;
  from: string | null;
  to: string | null;
}

export interface GateTableEvents {
  'gate:moved': [GateMove];
}

export class GateTable extends EventEmitter<GateTableEvents> {
  private readonly gates: number;
  private readonly clock: Clock;
  private readonly table = new Map<number, { node: string | null; since: number }>();

  constructor(options: { gates: number; clock: Clock }) {
    super();
    this.gates = options.gates;
    this.clock = options.clock;
    for (let gate = 1; gate <= this.gates; gate++) this.table.set(gate, { node: null, since: this.clock.now() });
  }

  /** Recomputes every gate from the live view; emits gate:moved for each gate whose owner changed. */
  update(liveNames: readonly string[]): GateMove[] {
    const moves: GateMove[] = [];
    const now = this.clock.now();
    for (const [gate, owner] of assignGates(this.gates, liveNames)) {
      const current = this.table.get(gate)!;
      if (current.node === owner) continue;
      moves.push({ gate, from: current.node, to: owner });
      this.table.set(gate, { node: owner, since: now });
    }
    for (const move of moves) this.emit('gate:moved', move);
    return moves;
  }

  owner(gate: number): string | null {
    return this.table.get(gate)?.node ?? null;
  }

  ownedBy(name: string): number[] {
    return [...this.table].filter(([, a]) => a.node === name).map(([gate]) => gate);
  }

  view(): GateAssignment[] {
    return [...this.table].map(([gate, a]) => ({ gate, node: a.node, since: a.since }));
  }
}
