/**
 * The checker's core, pure: does the final lot agree with the history under the OR-map semantics of
 * the lot (an entry adds a unique visit; an acknowledged exit removes the visits of that plate its
 * node had observed; a plate is inside while it has a live visit)?
 *
 * Per plate, with V the visits of acknowledged (`ok`) and indeterminate (`info`) entries:
 * - a visit is surely removed when an acknowledged exit returned its car, or (outside fault windows)
 *   when an acknowledged exit was invoked after the entry completed: the entry was replicated to every
 *   linked node before it was acknowledged, so the exit's node had observed it;
 * - a visit is possibly removed by any acknowledged or indeterminate exit that had not completed
 *   before the entry was invoked (an indeterminate exit may take effect any time after its invoke).
 * Then: a plate inside at the end must show a car from a visit that is not surely removed (or may
 * come from an indeterminate entry); a plate outside must have every acknowledged visit possibly
 * removed. Anything else is a lost acknowledged write.
 */
import type { Car } from '../../../src/types.js';
import { formatOp, sameCar, type Op, type Window } from './history.js';

/** One disagreement between the history and the final lot, with the plate's operations. */
export interface Violation {
  kind: 'lost-entry' | 'lost-exit' | 'ghost-car' | 'phantom-exit' | 'lots-differ';
  plate: string;
  message: string;
  ops: Op[];
}

/** What the checker found. */
export interface LotCheck {
  ok: boolean;
  violations: Violation[];
  /** Acknowledged operations whose effect is missing from the final lot (must be 0). */
  lost: number;
  platesChecked: number;
}

function inWindow(start: number, end: number, windows: Window[]): boolean {
  return windows.some((w) => start <= w.end && end >= w.start);
}

/** True when acknowledged exit `e` must have observed the visit of acknowledged entry `v`. */
function mustObserve(v: Op, e: Op, windows: Window[]): boolean {
  return v.complete < e.invoke && !inWindow(v.invoke, e.complete, windows);
}

/** True when exit `e` could have taken effect after the entry `v` created its visit. */
function mayObserve(v: Op, e: Op): boolean {
  const eEnd = e.type === 'info' ? Number.POSITIVE_INFINITY : e.complete;
  return v.invoke < eEnd;
}

function surelyRemoved(v: Op, exits: Op[], windows: Window[]): Op | undefined {
  return exits.find((e) => e.type === 'ok' && (sameCar(e.car, v.car) || mustObserve(v, e, windows)));
}

/**
 * Checks the final lot (identical on every node: check that first with {@link compareLots}) against
 * the history. `windows` are the fault periods, during which replication may not reach every node.
 */
export function checkLot(history: Op[], finalCars: Car[], windows: Window[] = []): LotCheck {
  const byPlate = new Map<string, Op[]>();
  for (const op of history) {
    const list = byPlate.get(op.plate) ?? [];
    list.push(op);
    byPlate.set(op.plate, list);
  }
  const finalByPlate = new Map(finalCars.map((c) => [c.plate, c]));
  const violations: Violation[] = [];
  const plates = new Set([...byPlate.keys(), ...finalByPlate.keys()]);
  for (const plate of plates) {
    const ops = byPlate.get(plate) ?? [];
    const entries = ops.filter((o) => o.op === 'entry' && o.type !== 'fail');
    const exits = ops.filter((o) => o.op === 'exit' && o.type !== 'fail');
    const okEntries = entries.filter((o) => o.type === 'ok');
    const hasInfoEntry = entries.some((o) => o.type === 'info');
    const shown = finalByPlate.get(plate);
    for (const e of exits) {
      if (e.type === 'ok' && e.car !== undefined && !okEntries.some((v) => sameCar(v.car, e.car)) && !hasInfoEntry) {
        violations.push({ kind: 'phantom-exit', plate, message: `exit ${e.id} removed a car that no entry created`, ops });
      }
    }
    if (shown !== undefined) {
      const source = okEntries.find((v) => sameCar(v.car, shown));
      if (source === undefined) {
        if (!hasInfoEntry)
          violations.push({ kind: 'ghost-car', plate, message: `inside as ${JSON.stringify(shown)}, a car no entry created`, ops });
        continue;
      }
      const remover = surelyRemoved(source, exits, windows);
      if (remover !== undefined) {
        violations.push({
          kind: 'lost-exit',
          plate,
          message: `inside (visit of ${source.id}), but exit ${remover.id} was acknowledged after it and must have removed it`,
          ops,
        });
      }
    } else {
      for (const v of okEntries) {
        if (!exits.some((e) => mayObserve(v, e))) {
          violations.push({
            kind: 'lost-entry',
            plate,
            message: `outside, but entry ${v.id} was acknowledged and no exit could have removed it`,
            ops,
          });
          break;
        }
      }
    }
  }
  const lost = violations.filter((v) => v.kind === 'lost-entry' || v.kind === 'lost-exit').length;
  return { ok: violations.length === 0, violations, lost, platesChecked: plates.size };
}

/** Compares every node's lot; returns the differences (empty when identical). */
export function compareLots(lots: { node: string; cars: Car[] }[]): string[] {
  const key = (c: Car) => `${c.plate}|${c.gate}|${c.node}|${c.enteredAt}`;
  const [first, ...rest] = lots;
  if (first === undefined) return [];
  const base = new Set(first.cars.map(key));
  const diffs: string[] = [];
  for (const lot of rest) {
    const other = new Set(lot.cars.map(key));
    const missing = [...base].filter((k) => !other.has(k));
    const extra = [...other].filter((k) => !base.has(k));
    if (missing.length > 0 || extra.length > 0)
      diffs.push(`${lot.node} vs ${first.node}: missing ${missing.join(', ') || '-'}; extra ${extra.join(', ') || '-'}`);
  }
  return diffs;
}

/** A readable report of the violations, operation by operation (times relative to `t0`). */
export function formatViolations(violations: Violation[], t0: number): string {
  return violations.map((v) => [`${v.kind} ${v.plate}: ${v.message}`, ...v.ops.map((o) => `    ${formatOp(o, t0)}`)].join('\n')).join('\n');
}
