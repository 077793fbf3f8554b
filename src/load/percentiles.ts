/**
 * Latency percentiles. `percentile` and `median` work on arrays a caller holds (the bench's samples
 * of one run and its repeats, a few thousand values at most, so they stay exact rather than rounded
 * to a histogram's buckets), nearest-rank: the p-th percentile of n sorted samples is the sample at
 * rank ceil(p/100 * n), so it is always a value that was observed, p100 is the max and p50 of [1, 2] is 1.
 *
 * `LatencyRecorder` is for unbounded streams (the load generator): an HDR histogram from Node itself
 * (`perf_hooks.createHistogram`, microsecond resolution, 3 significant digits), so memory stays a
 * few KB however long the run, and count and max stay exact; the mean is kept exactly beside it.
 */
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/** The nearest-rank percentile `p` (0 < p <= 100) of ascending `sorted`; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  // p * n first: (99.9 / 100) * 1000 is 999.0000000000001 in floating point, whose ceiling is 1000.
  const rank = Math.ceil((p * n) / 100);
  return sorted[Math.min(n, Math.max(1, rank)) - 1]!;
}

/** The median of unsorted values (the lower middle for an even count, as nearest-rank p50). */
export function median(values: readonly number[]): number {
  return percentile(Float64Array.from(values).sort(), 50);
}

/** What {@link LatencyRecorder.summary} returns; every figure in ms, NaN when nothing was recorded. */
export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Microseconds per millisecond: the histogram records integers. */
const US = 1000;

export class LatencyRecorder {
  private histogram: RecordableHistogram = createHistogram();
  private sum = 0;
  private largest = Number.NEGATIVE_INFINITY;

  /** Latencies recorded. */
  get count(): number {
    return this.histogram.count;
  }

  record(ms: number): void {
    this.sum += ms;
    if (ms > this.largest) this.largest = ms;
    // The histogram takes integers >= 1: a latency under a microsecond is recorded as one.
    this.histogram.record(Math.max(1, Math.round(ms * US)));
  }

  /** Count, exact mean and max, and p50/p90/p99 from the histogram (3 significant digits). */
  summary(): LatencySummary {
    const h = this.histogram;
    if (h.count === 0) return { count: 0, mean: Number.NaN, p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, max: Number.NaN };
    return {
      count: h.count,
      mean: this.sum / h.count,
      p50: h.percentile(50) / US,
      p90: h.percentile(90) / US,
      p99: h.percentile(99) / US,
      max: this.largest,
    };
  }

  /** Forgets everything (the progress line's per-interval recorder). */
  reset(): void {
    this.histogram.reset();
    this.sum = 0;
    this.largest = Number.NEGATIVE_INFINITY;
  }
}
