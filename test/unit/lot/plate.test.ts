import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { normalizePlate } from '../../../src/lot/index.js';
import { ErrorCodes, ParkingError } from '../../../src/errors.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as ParkingError).code;
  }
}

describe('normalizePlate', () => {
  it.each([
    [' abc  123 ', 'ABC 123'],
    ['abc\t\n123', 'ABC 123'],
    ['x', 'X'],
    ['ab-12 cd', 'AB-12 CD'],
    ['1234567890123456', '1234567890123456'],
  ])('normalizes %j to %j', (raw, plate) => {
    expect(normalizePlate(raw)).toBe(plate);
  });

  it.each([
    ['', 'empty'],
    ['   ', 'blank'],
    ['12345678901234567', 'seventeen characters'],
    ['ABC_123', 'underscore'],
    ['straße', 'non-ASCII letter that upper-cases to ASCII'],
    ['ıx', 'dotless i'],
    ['ABC\u0000', 'control character'],
    ['ABC\u200b1', 'zero-width space'],
    ['🚗', 'emoji'],
  ])('rejects %j (%s) with ERR_INVALID_PLATE', (raw) => {
    expect(codeOf(() => normalizePlate(raw))).toBe(ErrorCodes.INVALID_PLATE);
  });

  it.each([[42], [null], [undefined], [{}], [['A']]])('rejects the non-string %j', (raw) => {
    expect(codeOf(() => normalizePlate(raw))).toBe(ErrorCodes.INVALID_PLATE);
  });

  it('is idempotent and yields only upper-case ASCII, digits, single spaces and dashes', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 24 }), (raw) => {
        let plate: string;
        try {
          plate = normalizePlate(raw);
        } catch (err) {
          expect((err as ParkingError).code).toBe(ErrorCodes.INVALID_PLATE);
          return;
        }
        expect(plate).toMatch(/^[A-Z0-9-]([A-Z0-9 -]*[A-Z0-9-])?$/);
        expect(plate).not.toContain('  ');
        expect(plate.length).toBeLessThanOrEqual(16);
        expect(normalizePlate(plate)).toBe(plate);
      }),
    );
  });
});
