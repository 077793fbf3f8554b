/**
 * What every scenario gets: the size preset (full, --quick, --smoke), a logger to stderr, and the
 * shared clock (`wall()`: ms since the epoch with sub-ms resolution, the same clock the nodes stamp
 * their events with, see src/api/events.ts).
 */
import { median } from '../../src/load/percentiles.js';
import { preciseNow } from '../../src/clock.js';

export type Preset = 'full' | 'quick' | 'smoke';

export interface BenchContext {
  preset: Preset;
  /** Repeats of each measured run; figures are medians over them. */
  repeats: number;
  log(message: string): void;
}

/** ms since the epoch, sub-ms: comparable with the `at` of node events on this machine (the same clock). */
export function wall(): number {
  return preciseNow();
}

/** Picks the value for the preset. */
export function sized<T>(ctx: BenchContext, full: T, quick: T, smoke: T): T {
  return ctx.preset === 'full' ? full : ctx.preset === 'quick' ? quick : smoke;
}

/** The median of each numeric field over the repeats (fields missing in a repeat are skipped). */
export function medians<T extends Record<string, number>>(runs: T[]): T {
  const out: Record<string, number> = {};
  const keys = new Set(runs.flatMap((r) => Object.keys(r)));
  for (const key of keys) {
    const values = runs.map((r) => r[key]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    out[key] = values.length === 0 ? Number.NaN : median(values);
  }
  return out as T;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rounds for the JSON (keeps files readable; 3 decimals is µs for ms figures). */
export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
