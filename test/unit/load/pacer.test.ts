import { describe, expect, it } from 'vitest';
import { RatePacer } from '../../../src/load/pacer.js';

describe('RatePacer (open loop)', () => {
  it('releases operation k at start + k / rate', () => {
    const pacer = new RatePacer({ rate: 1000, start: 100 });
    expect(pacer.take(100)).toBe(1);
    expect(pacer.take(100.5)).toBe(0);
    expect(pacer.wait(100.5)).toBeCloseTo(0.5);
    expect(pacer.take(101)).toBe(1);
    expect(pacer.take(105)).toBe(4);
  });

  it('offers `rate` operations per second over a long run, whatever the tick pattern', () => {
    const pacer = new RatePacer({ rate: 250, start: 0 });
    let taken = 0;
    for (let t = 0; t < 10_000; t += 7) taken += pacer.take(t);
    expect(taken).toBeGreaterThanOrEqual(2498);
    expect(taken).toBeLessThanOrEqual(2500);
    expect(pacer.skipped).toBe(0);
  });

  it('takes no more than the free slots; the rest stays due', () => {
    const pacer = new RatePacer({ rate: 1000, start: 0, maxBurst: 100 });
    expect(pacer.take(9, 3)).toBe(3);
    expect(pacer.take(9)).toBe(7);
  });

  it('after a stall releases at most maxBurst and forgives the rest as skipped', () => {
    const pacer = new RatePacer({ rate: 1000, start: 0, maxBurst: 10 });
    expect(pacer.take(0)).toBe(1);
    expect(pacer.take(500)).toBe(10);
    expect(pacer.skipped).toBe(490);
    // The schedule moved on: the next operation is due one interval later, not a flood.
    expect(pacer.take(500)).toBe(0);
    expect(pacer.take(501)).toBe(1);
  });

  it('refuses a rate that is not a positive number', () => {
    expect(() => new RatePacer({ rate: 0, start: 0 })).toThrow(RangeError);
    expect(() => new RatePacer({ rate: Number.NaN, start: 0 })).toThrow(RangeError);
  });
});
