import { describe, expect, it } from 'vitest';
import { LatencyRecorder, median, percentile } from '../../../src/load/percentiles.js';

describe('percentile (nearest rank)', () => {
  it('is always an observed value: p50 of [1, 2] is 1, p100 is the max', () => {
    expect(percentile([1, 2], 50)).toBe(1);
    expect(percentile([1, 2], 51)).toBe(2);
    expect(percentile([1, 2], 100)).toBe(2);
  });

  it('p99 of 1..100 is 99, p90 is 90, p1 is 1', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 90)).toBe(90);
    expect(percentile(values, 1)).toBe(1);
  });

  it('p99 of 1..1000 is 990 and p99.9 is 999', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(percentile(values, 99)).toBe(990);
    expect(percentile(values, 99.9)).toBe(999);
  });

  it('is NaN for no samples and refuses p outside (0, 100]', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it('median sorts numerically, not as strings', () => {
    expect(median([10, 9, 100])).toBe(10);
  });
});

describe('LatencyRecorder (HDR histogram, 3 significant digits)', () => {
  /** Within the histogram's precision: 3 significant digits, i.e. 0.1 % of the value. */
  const near = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(expected * 0.001 + 0.001);

  it('summarizes what it recorded, in any order', () => {
    const r = new LatencyRecorder();
    for (const v of [5, 1, 4, 2, 3]) r.record(v);
    const s = r.summary();
    expect([s.count, s.mean, s.max]).toEqual([5, 3, 5]);
    near(s.p50, 3);
    near(s.p90, 5);
    near(s.p99, 5);
  });

  it('keeps sub-millisecond latencies to the microsecond', () => {
    const r = new LatencyRecorder();
    for (const v of [0.25, 0.5, 0.75]) r.record(v);
    near(r.summary().p50, 0.5);
  });

  it('a long run: exact count, mean and max, percentiles within the precision, bounded memory', () => {
    const r = new LatencyRecorder();
    for (let i = 1; i <= 100_000; i++) r.record(i / 10);
    const s = r.summary();
    expect(s.count).toBe(100_000);
    expect(s.max).toBe(10_000);
    expect(s.mean).toBeCloseTo(5_000.05, 6);
    near(s.p50, 5_000);
    near(s.p99, 9_900);
  });

  it('reset forgets everything', () => {
    const r = new LatencyRecorder();
    r.record(1);
    r.reset();
    expect(r.summary().count).toBe(0);
    expect(r.summary().p50).toBeNaN();
  });
});
