/**
 * What a gate owner's answer promises (docs/data-model.md, "What an answer promises"): success only
 * once the write is confirmed on every live peer, "outcome unknown" otherwise; a request id names one
 * command; a retried exit says "already removed" only for visits its replica knows removed.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { LotDocument } from '../../../src/crdt/lot-document.js';
import { ErrorCodes, type ParkingError } from '../../../src/errors.js';
import { GateService } from '../../../src/gates/gate-service.js';
import { createMetrics } from '../../../src/metrics.js';
import type { Car } from '../../../src/types.js';
import { FakeClock } from '../../support/fake-clock.js';

/** A gate service whose replication answers are given by the test, in order. */
function service(stalled?: () => boolean) {
  const lot = new LotDocument();
  const confirmations: Array<(confirmed: boolean) => void> = [];
  const svc = new GateService({
    lot,
    clock: new FakeClock(),
    metrics: createMetrics(),
    node: 'n1',
    gates: 2,
    spaces: 10,
    whenReplicated: () => new Promise<boolean>((resolve) => confirmations.push(resolve)),
    ...(stalled === undefined ? {} : { stalled }),
  });
  svc.acquire(1);
  /** Settles the oldest replication wait. */
  const confirm = async (confirmed: boolean): Promise<void> => {
    for (let i = 0; i < 10 && confirmations.length === 0; i++) await new Promise((r) => setImmediate(r));
    confirmations.shift()!(confirmed);
  };
  return { lot, svc, confirm };
}

const codeOf = (err: unknown): string => (err as ParkingError).code;

describe('GateService answers', () => {
  it('answers an entry whose write a live peer has not confirmed as ERR_OUTCOME_UNKNOWN, and its retry once confirmed', async () => {
    const { lot, svc, confirm } = service();
    const first = svc.execute({ op: 'entry', plate: 'A', gate: 1, requestId: 'r1' }).catch((err: unknown) => err);
    await confirm(false);
    expect(codeOf(await first)).toBe(ErrorCodes.OUTCOME_UNKNOWN);
    expect(lot.occupied).toBe(1);

    const retry = svc.execute({ op: 'entry', plate: 'A', gate: 1, requestId: 'r1' });
    await confirm(true);
    expect(((await retry) as Car).plate).toBe('A');
    expect(lot.visitsOf('A')).toHaveLength(1);
  });

  it('refuses a request id already used for another plate or another operation, and applies nothing', async () => {
    const { lot, svc, confirm } = service();
    const entry = svc.execute({ op: 'entry', plate: 'A', gate: 1, requestId: 'k' });
    await confirm(true);
    await entry;
    for (const reused of [
      { op: 'entry' as const, plate: 'B', gate: 1, requestId: 'k' },
      { op: 'exit' as const, plate: 'A', gate: 1, requestId: 'k' },
    ]) {
      const err = await svc.execute(reused).catch((e: unknown) => e);
      expect(codeOf(err)).toBe(ErrorCodes.IDEMPOTENCY_KEY_REUSED);
    }
    expect(lot.carOf('A')?.plate).toBe('A');
    expect(lot.carOf('B')).toBeUndefined();
  });

  it('refuses an entry whose request id a visit in the replica carries for another plate (the cache forgot it)', async () => {
    const { lot, svc } = service();
    lot.enter({ plate: 'OTHER', gate: 2, enteredAt: 1, node: 'n2' }, 'shared-key');
    const err = await svc.execute({ op: 'entry', plate: 'A', gate: 1, requestId: 'shared-key' }).catch((e: unknown) => e);
    expect(codeOf(err)).toBe(ErrorCodes.IDEMPOTENCY_KEY_REUSED);
    expect(lot.carOf('A')).toBeUndefined();
  });

  it('answers a retried exit whose visits this replica never saw as ERR_OUTCOME_UNKNOWN, never as not inside', async () => {
    const { svc } = service();
    const err = await svc.execute({ op: 'exit', plate: 'A', gate: 1, requestId: 'x', observed: ['zz.0'] }).catch((e: unknown) => e);
    expect(codeOf(err)).toBe(ErrorCodes.OUTCOME_UNKNOWN);
  });

  it('answers a retried exit whose visits this replica knows removed as ERR_NOT_INSIDE with details.removed', async () => {
    const { lot, svc, confirm } = service();
    const id = lot.enter({ plate: 'A', gate: 1, enteredAt: 1, node: 'n2' });
    lot.leave('A');
    const exit = svc.execute({ op: 'exit', plate: 'A', gate: 1, requestId: 'x', observed: [id] }).catch((e: unknown) => e);
    await confirm(true);
    const err = (await exit) as ParkingError;
    expect(err.code).toBe(ErrorCodes.NOT_INSIDE);
    expect(err.details).toMatchObject({ removed: true });
  });

  it('decides nothing when the process stalled since its last heartbeat: the command goes back to the router', async () => {
    let stalled = true;
    const { lot, svc, confirm } = service(() => stalled);
    const err = await svc.execute({ op: 'entry', plate: 'A', gate: 1, requestId: 'r' }).catch((e: unknown) => e);
    expect(codeOf(err)).toBe(ErrorCodes.GATE_UNAVAILABLE);
    expect(lot.occupied).toBe(0);
    stalled = false;
    const retry = svc.execute({ op: 'entry', plate: 'A', gate: 1, requestId: 'r' });
    await confirm(true);
    await retry;
    expect(lot.occupied).toBe(1);
  });

  it('answers a replayed exit with its first answer at a new owner that never saw the visit, and removes no car that entered since', async () => {
    // The first owner applied exit 'out' and its document reached this owner in one piece (entry and
    // exit together, the visit's content gone); the car has entered again since. The replay (a
    // request that waited in a paused process's socket) must not remove the new visit.
    const first = new LotDocument();
    first.enter({ plate: 'A', gate: 1, enteredAt: 1, node: 'n2' }, 'in-1');
    first.leave('A', undefined, { req: 'out', gate: 2, exitedAt: 50 });
    const { lot, svc, confirm } = service();
    Y.applyUpdate(lot.doc, Y.encodeStateAsUpdate(first.doc));
    const again = svc.execute({ op: 'entry', plate: 'A', gate: 1, requestId: 'in-2' });
    await confirm(true);
    await again;
    const replay = svc.execute({ op: 'exit', plate: 'A', gate: 1, requestId: 'out' });
    await confirm(true);
    expect(await replay).toMatchObject({ car: { plate: 'A', enteredAt: 1, node: 'n2' }, gate: 2, exitedAt: 50, stayMs: 49 });
    expect(lot.carOf('A')?.node).toBe('n1');
    // The replayed entry of the first visit is answered with its car, not applied a third time.
    const entryReplay = svc.execute({ op: 'entry', plate: 'A', gate: 1, requestId: 'in-1' });
    await confirm(true);
    expect(await entryReplay).toMatchObject({ plate: 'A', enteredAt: 1, node: 'n2' });
    expect(lot.visitsOf('A')).toHaveLength(1);
    // A request id of that exit reused for another plate is refused.
    const reused = await svc.execute({ op: 'exit', plate: 'B', gate: 1, requestId: 'out' }).catch((e: unknown) => e);
    expect(codeOf(reused)).toBe(ErrorCodes.IDEMPOTENCY_KEY_REUSED);
  });
});
