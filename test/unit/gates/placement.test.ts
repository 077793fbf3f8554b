import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assignGates, chooseNode } from '../../../src/gates/placement.js';

const names = fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/), { minLength: 1, maxLength: 9 });
const gateCount = fc.integer({ min: 1, max: 32 });

describe('gate placement (rendezvous hashing)', () => {
  it('gives every gate to a lone node', () => {
    fc.assert(
      fc.property(gateCount, fc.stringMatching(/^[a-z]{1,8}$/), (gates, node) => {
        for (const owner of assignGates(gates, [node]).values()) expect(owner).toBe(node);
      }),
    );
  });

  it('reaches the same table from the same view, whatever the order of the member list', () => {
    fc.assert(
      fc.property(gateCount, names, fc.nat(), (gates, members, shift) => {
        const rotated = members.map((_, i) => members[(i + shift) % members.length]!);
        expect([...assignGates(gates, rotated)]).toEqual([...assignGates(gates, members)]);
      }),
    );
  });

  it('moves only the gates of a node that leaves', () => {
    fc.assert(
      fc.property(
        gateCount,
        names.filter((m) => m.length >= 2),
        fc.nat(),
        (gates, members, pick) => {
          const gone = members[pick % members.length]!;
          const before = assignGates(gates, members);
          const after = assignGates(
            gates,
            members.filter((m) => m !== gone),
          );
          for (const [gate, owner] of before) {
            if (owner !== gone) expect(after.get(gate)).toBe(owner);
            else expect(after.get(gate)).not.toBe(gone);
          }
        },
      ),
    );
  });

  it('has no owner with no members', () => {
    expect(chooseNode(1, [])).toBeNull();
  });

  it('spreads gates over the members', () => {
    const table = assignGates(1000, ['a', 'b', 'c', 'd']);
    const counts = new Map<string, number>();
    for (const owner of table.values()) counts.set(owner!, (counts.get(owner!) ?? 0) + 1);
    for (const count of counts.values()) expect(count).toBeGreaterThan(150);
  });
});
