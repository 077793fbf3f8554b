/**
 * 5. Catch-up. A lone node is filled with `cars` cars over HTTP (not measured); then a new node
 * starts with it as its static peer, and we measure until the newcomer holds every car (its
 * /status `occupied`, polled every 5 ms): from its ready line (listening; the catch-up proper: dial,
 * handshake, sync step 1 -> step 2, apply) and from the spawn (adds process start-up). Bytes: what
 * the newcomer received on its peer link by then (all message types). Each repeat is a fresh
 * newcomer against the same seed.
 */
import { startNode, stopAll, waitFor, type BenchNode } from '../lib/cluster.js';
import { type BenchContext, medians, round, sized } from '../lib/context.js';
import { peerBytes, sum } from '../lib/metrics.js';

export interface CatchUpRun extends Record<string, number> {
  fromReadyMs: number;
  fromSpawnMs: number;
  bytesReceived: number;
  bytesPerCar: number;
}

async function fill(seed: BenchNode, cars: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cars) {
      const k = next++;
      await seed.client.trackEntry(`CU ${k}`, (k % 4) + 1);
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
}

export interface CatchUpResult {
  sizes: Array<{ cars: number; fillMs: number; median: CatchUpRun; runs: CatchUpRun[] }>;
}

export async function catchUpScenario(ctx: BenchContext): Promise<CatchUpResult> {
  const sizes: CatchUpResult['sizes'] = [];
  for (const cars of sized(ctx, [10_000, 100_000], [10_000, 30_000], [1_000])) {
    const seed = await startNode({ name: `cu${cars}seed`, spaces: 1_000_000 });
    const newcomers: BenchNode[] = [];
    try {
      const t = performance.now();
      await fill(seed, cars);
      const fillMs = performance.now() - t;
      ctx.log(`catch-up: seed holds ${cars} cars (filled in ${Math.round(fillMs)} ms)`);
      const runs: CatchUpRun[] = [];
      for (let r = 1; r <= ctx.repeats; r++) {
        const spawned = performance.now();
        const node = await startNode({ name: `cu${cars}r${r}`, peers: [seed.host], spaces: 1_000_000 });
        const readyAt = performance.now();
        newcomers.push(node);
        await waitFor(async () => (await node.client.status()).occupied === cars, 60_000, `newcomer to hold ${cars} cars`, 5);
        const done = performance.now();
        const received = sum((await peerBytes(node.client)).received);
        const run: CatchUpRun = {
          fromReadyMs: round(done - readyAt, 1),
          fromSpawnMs: round(done - spawned, 1),
          bytesReceived: received,
          bytesPerCar: round(received / cars, 1),
        };
        ctx.log(`catch-up ${cars} #${r}: ${run.fromReadyMs} ms from ready (${run.fromSpawnMs} from spawn), ${received} bytes`);
        runs.push(run);
        await stopAll([node]);
      }
      sizes.push({ cars, fillMs: Math.round(fillMs), median: medians(runs), runs });
    } finally {
      await stopAll([seed, ...newcomers]);
    }
  }
  return { sizes };
}
