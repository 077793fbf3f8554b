/** Gates are numbered 1..gates. */
import { UnknownGateError } from '../errors.js';

/** Returns the gate number, or throws ERR_UNKNOWN_GATE when it is not an integer in 1..gates. */
export function validateGate(gate: unknown, gates: number): number {
  if (typeof gate !== 'number' || !Number.isInteger(gate) || gate < 1 || gate > gates) throw new UnknownGateError(gate, gates);
  return gate;
}

/** 1..gates. */
export function gateIds(gates: number): number[] {
  return Array.from({ length: gates }, (_, i) => i + 1);
}
