import { describe, expect, it } from 'vitest';
import { GateWorker } from '../../../src/gates/gate-worker.js';
import { ErrorCodes, type ParkingError } from '../../../src/errors.js';

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('GateWorker', () => {
  it('runs the commands of its gate one at a time, in arrival order', async () => {
    const worker = new GateWorker(1);
    const log: string[] = [];
    const gate = deferred();
    const first = worker.run(async () => {
      log.push('first start');
      await gate.promise;
      log.push('first end');
      return 1;
    });
    const second = worker.run(() => {
      log.push('second');
      return 2;
    });
    await Promise.resolve();
    expect(worker.depth).toBe(2);
    gate.resolve();
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(log).toEqual(['first start', 'first end', 'second']);
    expect(worker.depth).toBe(0);
  });

  it('keeps going after a command fails', async () => {
    const worker = new GateWorker(1);
    await expect(
      worker.run(() => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await worker.run(() => 'ok')).toBe('ok');
  });

  it('refuses new commands once stopped and lets queued ones settle', async () => {
    const worker = new GateWorker(2);
    const gate = deferred();
    const started = deferred();
    const running = worker.run(async () => {
      started.resolve();
      await gate.promise;
      return 'done';
    });
    const queued = worker.run(() => 'never');
    await started.promise;
    const stopping = worker.stop();
    gate.resolve();
    expect(await running).toBe('done');
    await expect(queued).rejects.toMatchObject({ code: ErrorCodes.GATE_UNAVAILABLE });
    await stopping;
    const err = await worker.run(() => 1).catch((e: ParkingError) => e);
    expect((err as ParkingError).code).toBe(ErrorCodes.GATE_UNAVAILABLE);
  });
});
