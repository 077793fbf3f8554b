/**
 * How long the scenarios run: a number of client operations, not a number of seconds, so a history
 * means the same on a fast and a slow machine. `PKLAB_SCALE` (1 to 100, default 1) multiplies every
 * operation target: CI runs each scenario with at least {@link BASE_OPS} operations; by hand,
 * `PKLAB_SCALE=10 npm run test:system` runs ten times longer histories. Fault lengths that must
 * exceed a timeout (a partition, a pause past the failure timeout) keep their minimum in ms and
 * also wait for their share of operations.
 */

/** Operations of a scenario at scale 1 (issue 10: at least 1,000 per scenario in CI). */
export const BASE_OPS = 1000;

/** Reads PKLAB_SCALE: an integer from 1 to 100; anything else is refused with the reason. */
export function readScale(raw: string | undefined = process.env.PKLAB_SCALE): number {
  if (raw === undefined || raw.trim() === '') return 1;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new Error(`PKLAB_SCALE must be an integer from 1 to 100, not ${JSON.stringify(raw)}`);
  return n;
}

/** The lab's load: operations per second it can sustain on two cores with five nodes (a bound for waits). */
export const MIN_OPS_PER_S = 20;

/**
 * Upper bound (ms) of a wait for `ops` operations: at the lowest rate the lab sustains, tripled,
 * plus a margin for a fault that stalls every client for the command deadline.
 */
export function opsDeadlineMs(ops: number): number {
  return Math.ceil((ops / MIN_OPS_PER_S) * 3 * 1000) + 30_000;
}
