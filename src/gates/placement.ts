/**
 * Where each gate's worker runs: rendezvous (highest random weight) hashing, Thaler & Ravishankar
 * 1998. Each (gate, member) pair gets a pseudo-random weight; a gate goes to the member with the
 * highest weight. A pure function of (gate ids, live member names), so every node that has the same
 * view reaches the same table (Horde's approach); a lone node runs every gate; when a member leaves,
 * only the gates it ran move (the others keep their highest-weight member); a joining member takes
 * only the gates for which it now has the highest weight (about 1/n of them).
 */

/** FNV-1a over the UTF-16 code units, then a murmur3 finalizer for avalanche (FNV alone clusters). */
export function weight(gate: number, member: string): number {
  let h = 0x811c9dc5;
  const key = `${gate}\u0000${member}`;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The member that runs `gate`, or null when there is no member. Ties go to the lower name. */
export function chooseNode(gate: number, members: readonly string[]): string | null {
  let best: string | null = null;
  let bestWeight = -1;
  for (const member of members) {
    const w = weight(gate, member);
    if (w > bestWeight || (w === bestWeight && best !== null && member < best)) {
      best = member;
      bestWeight = w;
    }
  }
  return best;
}

/** gate -> member for gates 1..gates. */
export function assignGates(gates: number, members: readonly string[]): Map<number, string | null> {
  const table = new Map<number, string | null>();
  for (let gate = 1; gate <= gates; gate++) table.set(gate, chooseNode(gate, members));
  return table;
}
