import { describe, expect, it } from 'vitest';
import { decideEntry, decideExit, validateGate, type LotSnapshot } from '../../../src/lot/index.js';
import { ErrorCodes, ParkingError } from '../../../src/errors.js';
import type { Car } from '../../../src/types.js';
import { thrown } from '../../support/thrown.js';

function lot(cars: Car[], spaces = 3, gates = 4): LotSnapshot {
  const byPlate = new Map(cars.map((c) => [c.plate, c]));
  return { spaces, gates, occupied: byPlate.size, carOf: (plate) => byPlate.get(plate) };
}

function refusal(fn: () => unknown): ParkingError {
  return thrown<ParkingError>(fn);
}

const car = (plate: string, gate = 1, enteredAt = 1000): Car => ({ plate, gate, enteredAt, node: 'n1' });

describe('entry rules', () => {
  it('records the normalized plate, the gate, the time and the node', () => {
    expect(decideEntry(lot([]), { plate: ' abc 1 ', gate: 2, now: 5, node: 'n1' })).toEqual({
      plate: 'ABC 1',
      gate: 2,
      enteredAt: 5,
      node: 'n1',
    });
  });

  it('refuses a car already inside, saying at which gate and since when', () => {
    const err = refusal(() => decideEntry(lot([car('ABC 1', 3, 1234)]), { plate: 'abc 1', gate: 1, now: 5, node: 'n1' }));
    expect(err.code).toBe(ErrorCodes.ALREADY_INSIDE);
    expect(err.details).toEqual({ plate: 'ABC 1', gate: 3, enteredAt: 1234 });
  });

  it('admits the car that takes the last space and refuses the next one', () => {
    expect(decideEntry(lot([car('A'), car('B')], 3), { plate: 'C', gate: 1, now: 5, node: 'n1' }).plate).toBe('C');
    const err = refusal(() => decideEntry(lot([car('A'), car('B'), car('C')], 3), { plate: 'D', gate: 1, now: 5, node: 'n1' }));
    expect(err.code).toBe(ErrorCodes.LOT_FULL);
    expect(err.details).toEqual({ spaces: 3, occupied: 3 });
  });

  it('reports already-inside before lot-full', () => {
    const full = lot([car('A'), car('B'), car('C')], 3);
    expect(refusal(() => decideEntry(full, { plate: 'A', gate: 1, now: 5, node: 'n1' })).code).toBe(ErrorCodes.ALREADY_INSIDE);
  });

  it.each([[0], [5], [1.5], ['1'], [null], [-1], [Number.NaN]])('refuses gate %j with ERR_UNKNOWN_GATE', (gate) => {
    expect(refusal(() => decideEntry(lot([]), { plate: 'A', gate, now: 5, node: 'n1' })).code).toBe(ErrorCodes.UNKNOWN_GATE);
  });

  it('checks the plate before the gate', () => {
    expect(refusal(() => decideEntry(lot([]), { plate: '', gate: 0, now: 5, node: 'n1' })).code).toBe(ErrorCodes.INVALID_PLATE);
  });
});

describe('exit rules', () => {
  it('lets a car leave by any gate and says how long it stayed', () => {
    expect(decideExit(lot([car('ABC 1', 1, 1000)]), { plate: 'abc 1', gate: 4, now: 61_000 })).toEqual({
      plate: 'ABC 1',
      gate: 4,
      car: car('ABC 1', 1, 1000),
      stayMs: 60_000,
    });
  });

  it('refuses a car that is not inside', () => {
    expect(refusal(() => decideExit(lot([]), { plate: 'X', gate: 1, now: 1 })).code).toBe(ErrorCodes.NOT_INSIDE);
  });

  it('never reports a negative stay when clocks disagree', () => {
    expect(decideExit(lot([car('A', 1, 5000)]), { plate: 'A', gate: 1, now: 4000 }).stayMs).toBe(0);
  });

  it('refuses an unknown gate even for a car inside', () => {
    expect(refusal(() => decideExit(lot([car('A')]), { plate: 'A', gate: 9, now: 1 })).code).toBe(ErrorCodes.UNKNOWN_GATE);
    expect(validateGate(4, 4)).toBe(4);
  });
});
