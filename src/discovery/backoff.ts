/**
 * Redial delays for the cluster: capped exponential backoff with jitter, after Marc Brooker,
 * "Exponential Backoff And Jitter", AWS Architecture Blog, 2015
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
 *
 *   ceiling(n) = min(maxMs, baseMs * 2^n)
 *   full jitter:  delay = random(0, ceiling)                      (the post's winner: fewest calls)
 *   equal jitter: delay = ceiling/2 + random(0, ceiling/2)         (never redials at once)
 *
 * Jitter matters here because a restarted node is dialed by every other node at the same moment;
 * without it their retries stay in lockstep.
 */
import type { Random } from '../random.js';

/** Which jitter to apply; see the module comment. */
export type Jitter = 'full' | 'equal';

/** Options of {@link backoffDelay}. */
export interface BackoffOptions {
  /** Ceiling of the first attempt, ms. Default 100. */
  baseMs?: number;
  /** Cap on every ceiling, ms. Default 5000: a dead peer is retried at least every 5 s. */
  maxMs?: number;
  /** Seeded randomness (src/random.ts), so schedules replay in tests. */
  random: Random;
  /** Default `'full'`. */
  jitter?: Jitter;
}

/** The defaults of {@link backoffDelay}. */
export const BACKOFF_DEFAULTS = { baseMs: 100, maxMs: 5000, jitter: 'full' } as const satisfies Omit<Required<BackoffOptions>, 'random'>;

/**
 * The delay in whole ms before redial number `attempt` (0 for the first retry). Pure: the only
 * input besides the arguments is `options.random`. A negative or fractional attempt counts as
 * its floor, at least 0; huge attempts saturate at `maxMs` (2^n overflows to Infinity, min() caps it).
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const baseMs = Math.max(0, options.baseMs ?? BACKOFF_DEFAULTS.baseMs);
  const maxMs = Math.max(0, options.maxMs ?? BACKOFF_DEFAULTS.maxMs);
  const n = Number.isFinite(attempt) ? Math.max(0, Math.floor(attempt)) : attempt > 0 ? Number.MAX_SAFE_INTEGER : 0;
  const ceiling = Math.min(maxMs, baseMs * 2 ** n);
  const r = options.random();
  const delay = (options.jitter ?? BACKOFF_DEFAULTS.jitter) === 'equal' ? ceiling / 2 + (r * ceiling) / 2 : r * ceiling;
  return Math.floor(delay);
}
