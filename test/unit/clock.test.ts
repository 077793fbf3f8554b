/**
 * preciseNow: the wall clock with sub-ms resolution, from an origin measured at a tick of Date.now()
 * (not performance.timeOrigin, which a process descheduled at start-up carries off).
 */
import { expect, it } from 'vitest';
import { preciseNow } from '../../src/clock.js';

it('preciseNow_ReadsTheWallClock_WithinItsMillisecondTruncation_AndNeverGoesBack', () => {
  let previous = preciseNow();
  for (let i = 0; i < 1000; i++) {
    const before = Date.now();
    const precise = preciseNow();
    const after = Date.now();
    // Date.now() truncates to the millisecond: the precise time lies in [before, after + 1).
    expect(precise).toBeGreaterThanOrEqual(before - 0.5);
    expect(precise).toBeLessThan(after + 1.5);
    expect(precise).toBeGreaterThanOrEqual(previous);
    previous = precise;
  }
});
