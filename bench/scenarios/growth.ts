/**
 * 6. State growth: `visits` visits through a 500-space lot, and `cars` cars all inside, on a
 * LotDocument in a child process with --expose-gc (growth-worker.ts): encoded size, heap, the time to
 * load that state into a fresh document (a restarted node, a newcomer), bytes per ended visit
 * (the tombstones: (size - size of the live cars alone) / visits ended), bytes and heap per live car.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../lib/cluster.js';
import { type BenchContext, sized } from '../lib/context.js';

export interface GrowthResult {
  churn: Record<string, number>;
  live: Record<string, number>;
}

export function growthScenario(ctx: BenchContext): Promise<GrowthResult> {
  const visits = sized(ctx, 1_000_000, 200_000, 20_000);
  const cars = sized(ctx, 100_000, 100_000, 10_000);
  const repeats = sized(ctx, 3, 1, 1);
  const worker = join(ROOT, 'dist', 'bench', 'scenarios', 'growth-worker.js');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--expose-gc', '--max-old-space-size=4096', worker, String(visits), '500', String(cars), String(repeats)],
      { timeout: 300_000, maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        if (err !== null) return reject(new Error(`growth worker failed: ${err.message}\n${stderr}`));
        const result = JSON.parse(stdout) as GrowthResult;
        ctx.log(
          `growth: ${visits} visits -> ${result.churn.encodedBytes} B (${result.churn.bytesPerEndedVisit!.toFixed(1)} B/ended visit), load ${result.churn.loadMs!.toFixed(0)} ms; ${cars} cars -> ${result.live.bytesPerCar!.toFixed(1)} B/car, ${result.live.heapBytesPerCar!.toFixed(0)} B heap/car`,
        );
        resolve(result);
      },
    );
  });
}
