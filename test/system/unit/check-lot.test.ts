/**
 * The checker on hand-written histories: what the OR-map semantics allow after concurrent, sequential
 * and indeterminate operations, and what counts as a lost write. Pure and fast (no lab).
 */
import { describe, expect, test } from 'vitest';
import { checkLot, compareLots } from '../checker/check-lot.js';
import type { Op } from '../checker/history.js';
import type { Car } from '../../../src/types.js';

let n = 0;
const car = (plate: string, enteredAt: number, node = 'n1', gate = 1): Car => ({ plate, gate, node, enteredAt });
function op(kind: 'entry' | 'exit', plate: string, invoke: number, complete: number, type: Op['type'], extra: Partial<Op> = {}): Op {
  return { id: `op${++n}`, client: 'c', op: kind, plate, gate: 1, node: 'http://n1', invoke, complete, type, ...extra };
}
const entry = (plate: string, invoke: number, complete: number, type: Op['type'] = 'ok', node = 'n1') =>
  op(
    'entry',
    plate,
    invoke,
    complete,
    type,
    type === 'ok' ? { car: car(plate, invoke + 1, node) } : { code: type === 'fail' ? 'ERR_ALREADY_INSIDE' : 'TIMEOUT' },
  );
const exit = (plate: string, invoke: number, complete: number, type: Op['type'] = 'ok', removed?: Car) =>
  op('exit', plate, invoke, complete, type, type === 'ok' ? { car: removed } : { code: type === 'fail' ? 'ERR_NOT_INSIDE' : 'TIMEOUT' });

describe('sequential histories', () => {
  test('an acknowledged entry with nothing after it must be inside', () => {
    const e = entry('A', 0, 10);
    expect(checkLot([e], [e.car!]).ok).toBe(true);
    const r = checkLot([e], []);
    expect(r.lost).toBe(1);
    expect(r.violations[0]?.kind).toBe('lost-entry');
  });

  test('an entry then an exit leaves the plate outside; inside is a lost exit', () => {
    const e = entry('A', 0, 10);
    const x = exit('A', 20, 30, 'ok', e.car);
    expect(checkLot([e, x], []).ok).toBe(true);
    const r = checkLot([e, x], [e.car!]);
    expect(r.violations.map((v) => v.kind)).toEqual(['lost-exit']);
  });

  test('entry, exit, entry: inside with the second car', () => {
    const e1 = entry('A', 0, 10);
    const x = exit('A', 20, 30, 'ok', e1.car);
    const e2 = entry('A', 40, 50);
    expect(checkLot([e1, x, e2], [e2.car!]).ok).toBe(true);
    expect(checkLot([e1, x, e2], []).lost).toBe(1);
    expect(checkLot([e1, x, e2], [e1.car!]).ok).toBe(false);
  });

  test('refused operations have no effect', () => {
    const e = entry('A', 0, 10);
    const refusedExit = exit('A', 5, 8, 'fail');
    const refusedEntry = entry('A', 20, 30, 'fail');
    expect(checkLot([e, refusedExit, refusedEntry], [e.car!]).ok).toBe(true);
    expect(checkLot([e, refusedExit, refusedEntry], []).ok).toBe(false);
  });

  test('a car nobody entered is a ghost', () => {
    expect(checkLot([], [car('Z', 5)]).violations[0]?.kind).toBe('ghost-car');
  });
});

describe('concurrent operations (overlapping in real time)', () => {
  test('an entry concurrent with an exit may survive it or not', () => {
    const e0 = entry('A', 0, 10);
    const x = exit('A', 20, 40, 'ok', e0.car);
    const e1 = entry('A', 30, 50, 'ok', 'n2');
    expect(checkLot([e0, x, e1], [e1.car!]).ok).toBe(true);
    expect(checkLot([e0, x, e1], []).ok).toBe(true);
  });

  test('two concurrent exits both succeed and the plate is outside', () => {
    const e = entry('A', 0, 10);
    const x1 = exit('A', 20, 40, 'ok', e.car);
    const x2 = exit('A', 21, 39, 'ok', e.car);
    expect(checkLot([e, x1, x2], []).ok).toBe(true);
    expect(checkLot([e, x1, x2], [e.car!]).ok).toBe(false);
  });

  test('two concurrent entries are two visits: one exit observing both removes both', () => {
    const e1 = entry('A', 0, 10, 'ok', 'n1');
    const e2 = entry('A', 1, 9, 'ok', 'n2');
    const x = exit('A', 20, 30, 'ok', e1.car);
    expect(checkLot([e1, e2, x], []).ok).toBe(true);
    expect(checkLot([e1, e2, x], [e2.car!]).violations.map((v) => v.kind)).toEqual(['lost-exit']);
  });
});

describe('indeterminate operations', () => {
  test('an entry with an unknown result may or may not be inside', () => {
    const e = entry('A', 0, 10, 'info');
    expect(checkLot([e], []).ok).toBe(true);
    expect(checkLot([e], [car('A', 5)]).ok).toBe(true);
  });

  test('an exit with an unknown result may remove a later entry (it may apply late)', () => {
    const x = exit('A', 0, 10, 'info');
    const e = entry('A', 20, 30);
    expect(checkLot([x, e], []).ok).toBe(true);
    expect(checkLot([x, e], [e.car!]).ok).toBe(true);
  });

  test('an acknowledged exit that completed before the entry began cannot remove it', () => {
    const x = exit('A', 0, 10, 'ok', car('A', -5));
    const e0 = entry('A', -10, -2);
    const e = entry('A', 20, 30);
    expect(checkLot([e0, x, e], []).lost).toBe(1);
  });
});

describe('fault windows', () => {
  test('during a partition an exit may miss an entry made on the other side', () => {
    const e0 = entry('A', 0, 10);
    const x1 = exit('A', 100, 110, 'ok', e0.car);
    const e1 = entry('A', 120, 130, 'ok', 'n4');
    const x2 = exit('A', 140, 150, 'ok', e0.car);
    const history = [e0, x1, e1, x2];
    expect(checkLot(history, [e1.car!]).ok).toBe(false);
    expect(checkLot(history, [e1.car!], [{ start: 90, end: 200 }]).ok).toBe(true);
    // The car an exit returned is removed for sure, window or not.
    expect(checkLot(history, [e0.car!], [{ start: 90, end: 200 }]).ok).toBe(false);
  });
});

describe('compareLots', () => {
  test('names the node whose lot differs and how', () => {
    const a = car('A', 1);
    const b = car('B', 2);
    expect(
      compareLots([
        { node: 'n1', cars: [a, b] },
        { node: 'n2', cars: [b, a] },
      ]),
    ).toEqual([]);
    expect(
      compareLots([
        { node: 'n1', cars: [a, b] },
        { node: 'n2', cars: [a] },
      ])[0],
    ).toMatch(/n2 vs n1: missing B/);
  });
});
