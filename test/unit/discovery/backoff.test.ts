import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BACKOFF_DEFAULTS, backoffDelay } from '../../../src/discovery/backoff.js';
import { seededRandom } from '../../../src/random.js';

// fast-check prints the seed and path of a failing run; rerun with
// `npx vitest run test/unit/discovery/backoff.test.ts` after pasting them into fc.assert's options.
const attempt = fc.integer({ min: 0, max: 200 });
const base = fc.integer({ min: 1, max: 10_000 });
const cap = fc.integer({ min: 1, max: 120_000 });
const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

const ceiling = (n: number, baseMs: number, maxMs: number): number => Math.min(maxMs, baseMs * 2 ** n);

describe('backoffDelay', () => {
  it('with full jitter stays within [0, min(cap, base * 2^attempt)]', () => {
    fc.assert(
      fc.property(attempt, base, cap, unit, (n, baseMs, maxMs, r) => {
        const d = backoffDelay(n, { baseMs, maxMs, random: () => r, jitter: 'full' });
        expect(Number.isInteger(d)).toBe(true);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(ceiling(n, baseMs, maxMs));
      }),
    );
  });

  it('with equal jitter never waits less than half the ceiling', () => {
    fc.assert(
      fc.property(attempt, base, cap, unit, (n, baseMs, maxMs, r) => {
        const c = ceiling(n, baseMs, maxMs);
        const d = backoffDelay(n, { baseMs, maxMs, random: () => r, jitter: 'equal' });
        expect(d).toBeGreaterThanOrEqual(Math.floor(c / 2));
        expect(d).toBeLessThanOrEqual(c);
      }),
    );
  });

  it('never exceeds the cap, however many attempts', () => {
    fc.assert(
      fc.property(fc.oneof(attempt, fc.integer({ min: 1000, max: 1_000_000 }), fc.constant(Number.POSITIVE_INFINITY)), unit, (n, r) => {
        expect(backoffDelay(n, { random: () => r })).toBeLessThanOrEqual(BACKOFF_DEFAULTS.maxMs);
        expect(backoffDelay(n, { random: () => r, jitter: 'equal' })).toBeLessThanOrEqual(BACKOFF_DEFAULTS.maxMs);
      }),
    );
  });

  it('grows the upper bound with the attempt: the same random draw never gives a shorter delay later', () => {
    fc.assert(
      fc.property(attempt, base, cap, unit, (n, baseMs, maxMs, r) => {
        const now = backoffDelay(n, { baseMs, maxMs, random: () => r });
        const later = backoffDelay(n + 1, { baseMs, maxMs, random: () => r });
        expect(later).toBeGreaterThanOrEqual(now);
      }),
    );
  });

  it('defaults to base 100 ms, cap 5000 ms and full jitter', () => {
    const almostOne = (): number => 0.999999;
    expect(backoffDelay(0, { random: almostOne })).toBe(99);
    expect(backoffDelay(3, { random: almostOne })).toBe(799);
    expect(backoffDelay(10, { random: almostOne })).toBe(4999);
    expect(backoffDelay(0, { random: () => 0 })).toBe(0);
  });

  it('counts a negative, fractional or NaN attempt as its floor, at least zero', () => {
    const r = (): number => 0.5;
    expect(backoffDelay(-3, { random: r })).toBe(backoffDelay(0, { random: r }));
    expect(backoffDelay(2.9, { random: r })).toBe(backoffDelay(2, { random: r }));
    expect(backoffDelay(Number.NaN, { random: r })).toBe(backoffDelay(0, { random: r }));
  });

  it('replays the same schedule from the same seed', () => {
    const schedule = (seed: number): number[] => {
      const random = seededRandom(seed);
      return Array.from({ length: 8 }, (_, n) => backoffDelay(n, { random }));
    };
    expect(schedule(7)).toEqual(schedule(7));
    expect(schedule(7)).not.toEqual(schedule(8));
  });
});
