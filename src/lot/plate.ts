/**
 * Plates as people type them and as the lot stores them. `" abc  123 "` and `"ABC 123"` are the same
 * car. The allowed set is ASCII on purpose: upper-casing happens after validation, so `ß` (which
 * upper-cases to `SS`) or a dotless `ı` cannot sneak in as look-alikes.
 */
import { InvalidPlateError } from '../errors.js';

/** Longest plate after normalization. */
export const MAX_PLATE_LENGTH = 16;

const ALLOWED = /^[A-Za-z0-9 -]+$/;

/** Trims, collapses inner whitespace to one space, validates, upper-cases. Throws ERR_INVALID_PLATE. */
export function normalizePlate(raw: unknown): string {
  if (typeof raw !== 'string') throw new InvalidPlateError('a plate must be a string');
  const collapsed = raw.trim().replace(/\s+/g, ' ');
  if (collapsed.length === 0) throw new InvalidPlateError('a plate must not be empty');
  if (collapsed.length > MAX_PLATE_LENGTH) {
    throw new InvalidPlateError(`a plate has at most ${MAX_PLATE_LENGTH} characters`, { length: collapsed.length });
  }
  if (!ALLOWED.test(collapsed)) throw new InvalidPlateError('only letters A-Z, digits, spaces and "-" are allowed');
  return collapsed.toUpperCase();
}
