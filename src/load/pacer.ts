/**
 * Open-loop pacing for `--rate`: operation k (0-based) is due at `start + k * 1000 / rate`, whatever
 * happened to the earlier ones, so a slow answer does not lower the offered rate (closed-loop load
 * hides latency: "coordinated omission"). When the generator falls behind (every in-flight slot
 * busy, or an event loop stall), at most `maxBurst` overdue operations are released at once and the
 * rest of the debt is forgiven and counted as `skipped`, so a stall never turns into a flood.
 */

export interface PacerOptions {
  /** Operations per second, > 0. */
  rate: number;
  /** Monotonic ms at which operation 0 is due. */
  start: number;
  /** Most overdue operations released at once; default max(1, rate / 100) (10 ms worth). */
  maxBurst?: number;
}

export class RatePacer {
  readonly rate: number;
  private readonly interval: number;
  private readonly maxBurst: number;
  private start: number;
  private issued = 0;
  /** Operations forgiven because the generator fell behind by more than maxBurst. */
  skipped = 0;

  constructor(options: PacerOptions) {
    if (!(options.rate > 0) || !Number.isFinite(options.rate)) throw new RangeError(`rate must be a positive number, got ${options.rate}`);
    this.rate = options.rate;
    this.interval = 1000 / options.rate;
    this.start = options.start;
    this.maxBurst = Math.max(1, Math.floor(options.maxBurst ?? options.rate / 100));
  }

  /** How many operations are due at `now` and not yet taken (at most `limit`, the free slots); takes them. */
  take(now: number, limit = Number.POSITIVE_INFINITY): number {
    let due = Math.floor((now - this.start) / this.interval) + 1 - this.issued;
    if (due <= 0) return 0;
    if (due > this.maxBurst) {
      const forgiven = due - this.maxBurst;
      this.skipped += forgiven;
      // Shift the schedule instead of remembering the debt: the next op is due one interval on.
      this.start += forgiven * this.interval;
      due = this.maxBurst;
    }
    const taken = Math.max(0, Math.min(due, Math.floor(limit)));
    this.issued += taken;
    return taken;
  }

  /** Ms from `now` until the next operation is due (0 when one is due already). */
  wait(now: number): number {
    const next = this.start + this.issued * this.interval;
    return Math.max(0, next - now);
  }
}
