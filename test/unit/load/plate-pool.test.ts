import { describe, expect, it } from 'vitest';
import { PlatePool } from '../../../src/load/plate-pool.js';
import { normalizePlate } from '../../../src/lot/plate.js';
import { seededRandom } from '../../../src/random.js';

const pool = (plates: number, exitRatio = 0.5, seed = 1) => new PlatePool({ plates, prefix: 'LD ', exitRatio, random: seededRandom(seed) });

describe('PlatePool', () => {
  it('starts with every plate outside, so the first command is an entry', () => {
    const p = pool(3, 1);
    const first = p.next()!;
    expect(first.op).toBe('entry');
    expect(first.plate).toMatch(/^LD [0-2]$/);
  });

  it('makes valid plates that are already normalized', () => {
    const p = new PlatePool({ plates: 100_000, prefix: 'LKX7 ', exitRatio: 0.5, random: seededRandom(3) });
    expect(normalizePlate(p.plateOf(99_999))).toBe(p.plateOf(99_999));
  });

  it('never hands out a plate that has a command in flight', () => {
    const p = pool(2);
    const a = p.next()!;
    const b = p.next()!;
    expect(a.index).not.toBe(b.index);
    expect(p.next()).toBeUndefined();
    expect(p.busy).toBe(2);
    p.complete(a, { ok: true });
    expect(p.next()?.index).toBe(a.index);
  });

  it('an acknowledged entry puts the car inside, and with exit ratio 1 it is the next to leave', () => {
    const p = pool(1, 1);
    const entry = p.next()!;
    p.complete(entry, { ok: true });
    expect(p.insideCount).toBe(1);
    expect(p.next()).toMatchObject({ op: 'exit', index: entry.index });
  });

  it('believes the lot: ALREADY_INSIDE means inside, NOT_INSIDE and LOT_FULL outside', () => {
    const p = pool(1, 1);
    const e = p.next()!;
    p.complete(e, { ok: false, code: 'ERR_ALREADY_INSIDE' });
    expect(p.insideCount).toBe(1);
    const x = p.next()!;
    expect(x.op).toBe('exit');
    p.complete(x, { ok: false, code: 'ERR_NOT_INSIDE' });
    expect(p.insideCount).toBe(0);
    const e2 = p.next()!;
    p.complete(e2, { ok: false, code: 'ERR_LOT_FULL' });
    expect(p.insideCount).toBe(0);
  });

  it('a failed exit of unknown outcome keeps the car inside; a failed entry retries as an entry', () => {
    const p = pool(1, 1);
    const e = p.next()!;
    p.complete(e, { ok: false, code: 'ERR_NODE_UNREACHABLE' });
    expect(p.insideCount).toBe(0);
    const e2 = p.next()!;
    p.complete(e2, { ok: true });
    const x = p.next()!;
    p.complete(x, { ok: false, code: 'ERR_GATE_UNAVAILABLE' });
    expect(p.insideCount).toBe(1);
  });

  it('with exit ratio 0.5 the lot settles near half the plates and the mix is about even', () => {
    const p = pool(1000, 0.5, 42);
    let exits = 0;
    for (let i = 0; i < 20_000; i++) {
      const op = p.next()!;
      if (op.op === 'exit') exits++;
      p.complete(op, { ok: true });
    }
    expect(exits / 20_000).toBeGreaterThan(0.45);
    expect(exits / 20_000).toBeLessThan(0.55);
    expect(p.insideCount).toBeGreaterThan(0);
    expect(p.insideCount).toBeLessThanOrEqual(1000);
  });

  it('refuses nonsense sizes and ratios', () => {
    expect(() => pool(0)).toThrow(RangeError);
    expect(() => pool(1, 1.5)).toThrow(RangeError);
  });
});
