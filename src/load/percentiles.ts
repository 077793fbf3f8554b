/**
 * Latency samples and their percentiles. Samples are kept exactly (a Float64Array that doubles as it
 * fills) up to `maxSamples`; past that, reservoir sampling (Vitter's algorithm R, with an injected
 * Random) keeps a uniform sample of every latency seen, so memory stays bounded on a long run while
 * the count, the mean and the max stay exact.
 *
 * Percentiles use the nearest-rank definition: the p-th percentile of n sorted samples is the sample
 * at rank ceil(p/100 * n) (1-based), so it is always a latency that was actually observed, p100 is
 * the max and p50 of [1, 2] is 1.
 */
import type { Random } from '../random.js';

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

export interface LatencyRecorderOptions {
  /** Samples kept exactly before reservoir sampling starts; default 2,000,000 (16 MB). */
  maxSamples?: number;
  /** Chooses what the reservoir replaces; only used past maxSamples. */
  random?: Random;
}

export class LatencyRecorder {
  private samples: Float64Array;
  private kept = 0;
  private seen = 0;
  private sum = 0;
  private largest = Number.NEGATIVE_INFINITY;
  private readonly maxSamples: number;
  private readonly random: Random;

  constructor(options: LatencyRecorderOptions = {}) {
    this.maxSamples = Math.max(1, options.maxSamples ?? 2_000_000);
    this.random = options.random ?? Math.random;
    this.samples = new Float64Array(Math.min(1024, this.maxSamples));
  }

  /** Latencies recorded (all of them, not only those kept). */
  get count(): number {
    return this.seen;
  }

  record(ms: number): void {
    this.seen++;
    this.sum += ms;
    if (ms > this.largest) this.largest = ms;
    if (this.kept < this.maxSamples) {
      if (this.kept === this.samples.length) {
        const grown = new Float64Array(Math.min(this.maxSamples, this.samples.length * 2));
        grown.set(this.samples);
        this.samples = grown;
      }
      this.samples[this.kept++] = ms;
      return;
    }
    // Algorithm R: the i-th sample replaces a kept one with probability maxSamples / i.
    const slot = Math.floor(this.random() * this.seen);
    if (slot < this.maxSamples) this.samples[slot] = ms;
  }

  /** Count, mean, p50/p90/p99 (nearest rank over the kept samples) and the exact max. */
  summary(): LatencySummary {
    if (this.seen === 0) return { count: 0, mean: Number.NaN, p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, max: Number.NaN };
    const sorted = this.samples.slice(0, this.kept).sort();
    return {
      count: this.seen,
      mean: this.sum / this.seen,
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p99: percentile(sorted, 99),
      max: this.largest,
    };
  }

  /** Forgets everything (the progress line's per-interval recorder). */
  reset(): void {
    this.kept = 0;
    this.seen = 0;
    this.sum = 0;
    this.largest = Number.NEGATIVE_INFINITY;
  }
}
