import { describe, expect, it } from 'vitest';
import { LatencyRecorder, median, percentile } from '../../../src/load/percentiles.js';
import { seededRandom } from '../../../src/random.js';

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

describe('LatencyRecorder', () => {
  it('summarizes what it recorded, in any order', () => {
    const r = new LatencyRecorder();
    for (const v of [5, 1, 4, 2, 3]) r.record(v);
    expect(r.summary()).toEqual({ count: 5, mean: 3, p50: 3, p90: 5, p99: 5, max: 5 });
  });

  it('grows past its initial buffer without losing samples', () => {
    const r = new LatencyRecorder();
    for (let i = 1; i <= 5000; i++) r.record(i);
    const s = r.summary();
    expect(s.count).toBe(5000);
    expect(s.p50).toBe(2500);
    expect(s.p99).toBe(4950);
  });

  it('past maxSamples keeps a uniform sample: exact count, mean and max, approximate percentiles', () => {
    const r = new LatencyRecorder({ maxSamples: 1000, random: seededRandom(7) });
    for (let i = 1; i <= 100_000; i++) r.record(i);
    const s = r.summary();
    expect(s.count).toBe(100_000);
    expect(s.max).toBe(100_000);
    expect(s.mean).toBe(50_000.5);
    expect(Math.abs(s.p50 - 50_000)).toBeLessThan(5_000);
  });

  it('reset forgets everything', () => {
    const r = new LatencyRecorder();
    r.record(1);
    r.reset();
    expect(r.summary().count).toBe(0);
    expect(r.summary().p50).toBeNaN();
  });
});
