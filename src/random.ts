/**
 * Seeded randomness. Cluster code takes a `Random` instead of calling Math.random(), so a test that
 * fails can be replayed from its seed.
 */
import { randomBytes } from 'node:crypto';

/** Returns a float in [0, 1). */
export type Random = () => number;

/** mulberry32: small, fast, good enough for jitter and test schedules (not for secrets). */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A Random seeded from the OS, for production. */
export function systemRandom(): Random {
  return seededRandom(randomBytes(4).readUInt32LE(0));
}

/** A random id of `bytes` bytes as lowercase hex, from the OS (unique ids, incarnations). */
export function randomId(bytes = 8): string {
  return randomBytes(bytes).toString('hex');
}
