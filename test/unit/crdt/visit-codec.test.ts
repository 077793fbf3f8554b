/**
 * The stored form of a visit: what an entry writes is read back unchanged, and bytes a buggy or
 * hostile peer wrote are ignored (undefined), never thrown. fast-check prints the seed and the path
 * to replay a failure (`fc.assert(..., { seed, path })`).
 */
import fc from 'fast-check';
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { LotDocument } from '../../../src/crdt/lot-document.js';
import { decodeVisit, encodeVisit, requestTag, type VisitRecord } from '../../../src/crdt/visit-codec.js';

const text = (maxLength: number) => fc.string({ unit: 'binary', maxLength });
const recordArb: fc.Arbitrary<VisitRecord> = fc.record(
  {
    plate: text(20),
    gate: fc.nat(),
    enteredAt: fc.maxSafeNat(),
    node: text(40),
    req: text(40).map(requestTag),
  },
  { requiredKeys: ['plate', 'gate', 'enteredAt', 'node'] },
);

describe('visit codec', () => {
  it('reads back every record it writes', () => {
    fc.assert(
      fc.property(recordArb, (record) => {
        expect(decodeVisit(encodeVisit(record))).toEqual(record);
      }),
      { numRuns: 500 },
    );
  });

  it('answers undefined, never an exception, for any other bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const record = decodeVisit(bytes);
        // Whatever it accepts is a record it can store and read back.
        if (record !== undefined) expect(decodeVisit(encodeVisit(record))).toEqual(record);
      }),
      { numRuns: 2000 },
    );
    for (const value of [undefined, null, 'x', 42, ['P', 1, 2, 'n'], { plate: 'P' }]) expect(decodeVisit(value)).toBeUndefined();
  });

  it('refuses to store what it could not read back', () => {
    const car = { plate: 'P', gate: 1, enteredAt: 5, node: 'n' };
    expect(() => encodeVisit({ ...car, enteredAt: 1.5 })).toThrow(RangeError);
    expect(() => encodeVisit({ ...car, gate: -1 })).toThrow(RangeError);
    expect(() => encodeVisit({ ...car, req: 'not-a-tag' })).toThrow(RangeError);
  });

  it('keeps an entry pushed to a peer under 60 bytes, a live car under 50 in the document (a 9-character plate, a 6-character node name, a UUID request)', () => {
    const lot = new LotDocument();
    const sizes: number[] = [];
    lot.doc.on('update', (update: Uint8Array) => sizes.push(update.byteLength));
    for (let k = 0; k < 1000; k++)
      lot.enter(
        { plate: `L3R1 ${k}`.padEnd(9, '0'), gate: 1 + (k % 4), enteredAt: 1_764_900_000_000 + k, node: 'l3r1n0' },
        crypto.randomUUID(),
      );
    expect(Math.max(...sizes)).toBeLessThan(60);
    expect(Y.encodeStateAsUpdate(lot.doc).byteLength / 1000).toBeLessThan(50);
  });
});
