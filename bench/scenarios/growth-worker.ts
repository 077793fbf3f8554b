/**
 * The state-growth measurement, run in its own process with --expose-gc (growth.ts starts it) so that
 * heap figures are this document's alone. Prints one JSON line on stdout.
 *
 *   node --expose-gc dist/bench/scenarios/growth-worker.js <visits> <spaces> <liveCars> <loadRepeats>
 */
import * as Y from 'yjs';
import { LotDocument } from '../../src/crdt/lot-document.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

function heap(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.ceil(s.length / 2) - 1]!;
}

/** Time to load `update` into a fresh LotDocument (what a restarted node or a newcomer does). */
function loadTimes(update: Uint8Array, repeats: number): { ms: number; heapBytes: number; occupied: number } {
  const times: number[] = [];
  let heapBytes = 0;
  let occupied = 0;
  for (let r = 0; r < repeats; r++) {
    const base = heap();
    const t = performance.now();
    const lot = new LotDocument();
    Y.applyUpdate(lot.doc, update);
    times.push(performance.now() - t);
    occupied = lot.occupied;
    const alive = heap();
    lot.destroy();
    heapBytes = alive - Math.min(base, heap());
  }
  return { ms: median(times), heapBytes, occupied };
}

const [visits, spaces, liveCars, loadRepeats] = process.argv.slice(2).map(Number) as [number, number, number, number];
// A. Churn: `visits` visits through a lot of `spaces`, first in first out.
let churn: LotDocument = new LotDocument();
const t0 = performance.now();
const inside: string[] = [];
for (let v = 0; v < visits; v++) {
  if (inside.length >= spaces) churn.leave(inside.shift()!);
  // Plates recur (20 x the lot), as regulars do; a plate is never inside twice at once.
  const plate = `P ${v % (spaces * 20)}`;
  churn.enter({ plate, gate: (v % 4) + 1, enteredAt: 1_763_900_000_000 + v * 1000, node: 'n1' }, `r${v.toString(36)}`);
  inside.push(plate);
}
const churnMs = performance.now() - t0;
const churnUpdate = Y.encodeStateAsUpdate(churn.doc);
const churnAlive = heap();
// The same live cars in a fresh document: what the state would be with no history.
const fresh = new LotDocument();
for (const [, record] of churn.liveVisits())
  fresh.enter({ plate: record.plate, gate: record.gate, enteredAt: record.enteredAt, node: record.node }, record.req);
const liveOnlyBytes = Y.encodeStateAsUpdate(fresh.doc).byteLength;
fresh.destroy();
const ended = visits - churn.occupied;
churn.destroy();
// Drop the reference so that GC can take it: the difference is the document's heap.
// eslint-disable-next-line no-useless-assignment -- drops the last reference so GC can take the document
churn = undefined!;
inside.length = 0;
const churnHeap = churnAlive - heap();
const churnLoad = loadTimes(churnUpdate, loadRepeats);

// B. `liveCars` cars, all inside. Heap: with the document alive minus after it is dropped (both
// after GC), so that garbage left over from part A cannot make the difference negative.
function buildLive(): { update: Uint8Array; heapBytes: number } {
  let full: LotDocument | undefined = new LotDocument();
  for (let c = 0; c < liveCars; c++)
    full.enter({ plate: `L ${c}`, gate: (c % 4) + 1, enteredAt: 1_763_900_000_000 + c, node: 'n1' }, `q${c.toString(36)}`);
  const update = Y.encodeStateAsUpdate(full.doc);
  const alive = heap();
  full.destroy();
  // eslint-disable-next-line no-useless-assignment -- drops the last reference so GC can take the document
  full = undefined;
  return { update, heapBytes: alive - heap() };
}
const { update: fullUpdate, heapBytes: fullHeap } = buildLive();
const fullLoad = loadTimes(fullUpdate, loadRepeats);

process.stdout.write(
  `${JSON.stringify({
    churn: {
      visits,
      spaces,
      ended,
      opsPerSec: Math.round((2 * visits - spaces) / (churnMs / 1000)),
      encodedBytes: churnUpdate.byteLength,
      liveOnlyBytes,
      bytesPerEndedVisit: (churnUpdate.byteLength - liveOnlyBytes) / ended,
      heapBytes: churnHeap,
      loadMs: churnLoad.ms,
      loadedHeapBytes: churnLoad.heapBytes,
      loadedOccupied: churnLoad.occupied,
    },
    live: {
      cars: liveCars,
      encodedBytes: fullUpdate.byteLength,
      bytesPerCar: fullUpdate.byteLength / liveCars,
      heapBytes: fullHeap,
      heapBytesPerCar: fullHeap / liveCars,
      loadMs: fullLoad.ms,
      loadedHeapBytesPerCar: fullLoad.heapBytes / liveCars,
      loadedOccupied: fullLoad.occupied,
    },
  })}\n`,
);
