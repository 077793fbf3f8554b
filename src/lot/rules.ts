/**
 * The lot's rules as pure decisions over a snapshot of one replica. The gate worker calls these and
 * then writes the outcome into the document; nothing here does I/O or reads a clock.
 */
import { AlreadyInsideError, LotFullError, NotInsideError } from '../errors.js';
import type { Car } from '../types.js';
import { validateGate } from './gate.js';
import { normalizePlate } from './plate.js';

/** What a rule needs to know about the lot, as one replica sees it. */
export interface LotSnapshot {
  readonly spaces: number;
  readonly gates: number;
  /** Cars inside (plates with a live visit). */
  readonly occupied: number;
  /** The car inside with this (normalized) plate, if any. */
  carOf(plate: string): Car | undefined;
}

export interface EntryRequest {
  plate: unknown;
  gate: unknown;
  now: number;
  node: string;
}

/**
 * Decides an entry. Order of checks: input first (plate, gate), then already-inside (a car inside
 * is reported as such even when the lot is full), then capacity: refused when occupancy would exceed
 * `spaces`, i.e. when `occupied >= spaces` (the Elixir original was off by one here).
 */
export function decideEntry(lot: LotSnapshot, request: EntryRequest): Car {
  const plate = normalizePlate(request.plate);
  const gate = validateGate(request.gate, lot.gates);
  const inside = lot.carOf(plate);
  if (inside !== undefined) throw new AlreadyInsideError(plate, inside.gate, inside.enteredAt);
  if (lot.occupied >= lot.spaces) throw new LotFullError(lot.spaces, lot.occupied);
  return { plate, gate, enteredAt: request.now, node: request.node };
}

export interface ExitDecision {
  plate: string;
  gate: number;
  car: Car;
  stayMs: number;
}

/** Decides an exit: a car may leave by any gate. */
export function decideExit(lot: LotSnapshot, request: { plate: unknown; gate: unknown; now: number }): ExitDecision {
  const plate = normalizePlate(request.plate);
  const gate = validateGate(request.gate, lot.gates);
  const car = lot.carOf(plate);
  if (car === undefined) throw new NotInsideError(plate);
  return { plate, gate, car, stayMs: Math.max(0, request.now - car.enteredAt) };
}

/** Validates the input of a command before it is routed to its gate (cheap, no state). */
export function validateCommand(plate: unknown, gate: unknown, gates: number): { plate: string; gate: number } {
  return { plate: normalizePlate(plate), gate: validateGate(gate, gates) };
}
