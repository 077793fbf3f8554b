/**
 * Property: the lot document is an observed-remove map. Random entries and exits on several replicas,
 * their updates delivered in random order, duplicated, or lost across a partition, then healed by an
 * anti-entropy sync: every replica ends equal to every other AND to the reference OR-map, whose live
 * visits are exactly those added minus those some exit observed. fast-check prints the seed and the
 * path to replay a failure (`fc.assert(..., { seed, path })`).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as Y from 'yjs';
import { LotDocument } from '../../../src/crdt/lot-document.js';

type Op =
  | { kind: 'enter'; replica: number; plate: string }
  | { kind: 'exit'; replica: number; plate: string }
  | { kind: 'deliver'; pick: number; duplicate: boolean }
  | { kind: 'partition'; cut: number }
  | { kind: 'heal' };

interface Message {
  from: number;
  to: number;
  update: Uint8Array;
}

const REPLICAS = 4;
const plates = ['A', 'B', 'C', 'D'];

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('enter' as const), replica: fc.nat(REPLICAS - 1), plate: fc.constantFrom(...plates) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('exit' as const), replica: fc.nat(REPLICAS - 1), plate: fc.constantFrom(...plates) }),
  },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('deliver' as const), pick: fc.nat(1000), duplicate: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('partition' as const), cut: fc.integer({ min: 1, max: REPLICAS - 1 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('heal' as const) }) },
);

function run(ops: Op[]): void {
  const replicas = Array.from({ length: REPLICAS }, () => new LotDocument());
  const queue: Message[] = [];
  let cut = 0; // replicas < cut are on one side, the rest on the other; 0 = no partition
  const added = new Set<string>();
  const removed = new Set<string>();

  replicas.forEach((replica, from) => {
    replica.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === 'peer') return; // never echo a peer's update back
      for (let to = 0; to < REPLICAS; to++) if (to !== from) queue.push({ from, to, update });
    });
  });
  const separated = (a: number, b: number) => cut > 0 && a < cut !== b < cut;

  for (const op of ops) {
    if (op.kind === 'enter') {
      const replica = replicas[op.replica]!;
      if (replica.carOf(op.plate) === undefined)
        added.add(replica.enter({ plate: op.plate, gate: 1, enteredAt: 0, node: `r${op.replica}` }));
    } else if (op.kind === 'exit') {
      for (const [id] of replicas[op.replica]!.leave(op.plate)) removed.add(id);
    } else if (op.kind === 'deliver' && queue.length > 0) {
      const index = op.pick % queue.length;
      const message = queue[index]!;
      if (!op.duplicate) queue.splice(index, 1);
      // A message across the partition is lost, like a frame on a cut link.
      if (!separated(message.from, message.to)) Y.applyUpdate(replicas[message.to]!.doc, message.update, 'peer');
    } else if (op.kind === 'partition') {
      cut = op.cut;
    } else if (op.kind === 'heal') {
      cut = 0;
    }
  }

  // Heal, then anti-entropy: every pair runs a step 1 / step 2 exchange (state vector, missing delta).
  cut = 0;
  for (let round = 0; round < 2; round++) {
    for (let a = 0; a < REPLICAS; a++) {
      for (let b = 0; b < REPLICAS; b++) {
        if (a === b) continue;
        const delta = Y.encodeStateAsUpdate(replicas[a]!.doc, Y.encodeStateVector(replicas[b]!.doc));
        Y.applyUpdate(replicas[b]!.doc, delta, 'peer');
      }
    }
  }

  const expected = [...added].filter((id) => !removed.has(id)).sort();
  for (const replica of replicas) {
    expect([...replica.liveVisits().keys()].sort()).toEqual(expected);
    expect(replica.cars()).toEqual(replicas[0]!.cars());
  }
}

describe('lot document as an observed-remove map', () => {
  it('converges to the reference OR-map under random delivery, duplication, loss and partitions', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 80 }), (ops) => run(ops)),
      { numRuns: 300 },
    );
  });

  it('keeps a concurrent re-entry that an exit did not observe (the case a Y.Map keyed by plate loses)', () => {
    run([
      { kind: 'enter', replica: 0, plate: 'A' },
      { kind: 'deliver', pick: 0, duplicate: false },
      { kind: 'deliver', pick: 0, duplicate: false },
      { kind: 'deliver', pick: 0, duplicate: false },
      { kind: 'partition', cut: 2 },
      { kind: 'exit', replica: 3, plate: 'A' },
      { kind: 'enter', replica: 3, plate: 'A' },
      { kind: 'exit', replica: 0, plate: 'A' },
    ]);
  });
});
