import { describe, expect, it } from 'vitest';
import { LotDocument } from '../../../src/crdt/lot-document.js';
import { GateService } from '../../../src/gates/gate-service.js';
import { createMetrics } from '../../../src/metrics.js';
import { FakeClock } from '../../support/fake-clock.js';

function service(spaces = 10) {
  const lot = new LotDocument();
  const acks: Array<() => void> = [];
  const svc = new GateService({
    lot,
    clock: new FakeClock(),
    metrics: createMetrics(),
    node: 'n1',
    gates: 4,
    spaces,
    whenReplicated: () => new Promise<boolean>((resolve) => acks.push(() => resolve(true))),
  });
  svc.acquire(1);
  return { lot, svc, acks };
}

describe('GateService', () => {
  it('decides and writes in arrival order but answers each command only once its write is acknowledged', async () => {
    const { lot, svc, acks } = service();
    const answered: string[] = [];
    const first = svc.execute({ op: 'entry', plate: 'A', gate: 1, requestId: 'r1' }).then(() => answered.push('A'));
    const second = svc.execute({ op: 'entry', plate: 'B', gate: 1, requestId: 'r2' }).then(() => answered.push('B'));
    await new Promise((r) => setImmediate(r));
    // Both writes are in the replica (the gate pipelines), neither is answered.
    expect(lot.occupied).toBe(2);
    expect(answered).toEqual([]);
    acks[0]!();
    acks[1]!();
    await Promise.all([first, second]);
    expect(answered).toEqual(['A', 'B']);
  });

  it('answers a retried request from its first outcome instead of applying it twice', async () => {
    const { lot, svc, acks } = service();
    const first = svc.execute({ op: 'entry', plate: 'A', gate: 1, requestId: 'same' });
    const retry = svc.execute({ op: 'entry', plate: 'A', gate: 1, requestId: 'same' });
    await new Promise((r) => setImmediate(r));
    acks.forEach((ack) => ack());
    expect(await retry).toEqual(await first);
    expect(lot.visitsOf('A')).toHaveLength(1);
  });

  it('recognises a retried entry by the tag in its visit, even without the cached result', async () => {
    const { lot, svc, acks } = service();
    lot.enter({ plate: 'A', gate: 2, enteredAt: 5, node: 'old-owner' }, 'lost-answer');
    const retry = svc.execute({ op: 'entry', plate: 'A', gate: 1, requestId: 'lost-answer' });
    await new Promise((r) => setImmediate(r));
    acks.forEach((ack) => ack());
    expect(await retry).toEqual({ plate: 'A', gate: 2, enteredAt: 5, node: 'old-owner' });
  });

  it('refuses with the lot rules once the state it decided on is acknowledged, and remembers the refusal', async () => {
    const { svc, acks } = service(1);
    const ok = svc.execute({ op: 'entry', plate: 'A', gate: 1, requestId: 'r1' });
    let refused = false;
    const full = svc.execute({ op: 'entry', plate: 'B', gate: 1, requestId: 'r2' }).catch((err: { code: string }) => {
      refused = true;
      return err.code;
    });
    await new Promise((r) => setImmediate(r));
    expect(refused).toBe(false); // A's entry, which made the lot full, is not acknowledged yet
    acks.forEach((ack) => ack());
    expect(await full).toBe('ERR_LOT_FULL');
    await ok;
    // The retry is answered from the remembered refusal, once the state is confirmed again.
    const retry = svc.execute({ op: 'entry', plate: 'B', gate: 1, requestId: 'r2' });
    await new Promise((r) => setImmediate(r));
    acks.forEach((ack) => ack());
    await expect(retry).rejects.toMatchObject({ code: 'ERR_LOT_FULL' });
  });

  it('names the visit whose car an exit reports, also when the exit is answered again from its first outcome', async () => {
    const { lot, svc, acks } = service();
    lot.enter({ plate: 'A', gate: 2, enteredAt: 9, node: 'n2' });
    const first = lot.enter({ plate: 'A', gate: 3, enteredAt: 5, node: 'n3' }); // the earliest: the car shown
    const answer = svc.answer({ op: 'exit', plate: 'A', gate: 1, requestId: 'x' });
    const again = svc.answer({ op: 'exit', plate: 'A', gate: 1, requestId: 'x' });
    await new Promise((r) => setImmediate(r));
    acks.forEach((ack) => ack());
    expect(await answer).toMatchObject({ visit: first, value: { car: { plate: 'A', gate: 3, enteredAt: 5, node: 'n3' } } });
    expect(await again).toEqual(await answer);
  });

  it('refuses a gate it does not run', async () => {
    const { svc } = service();
    await expect(svc.execute({ op: 'exit', plate: 'A', gate: 3, requestId: 'r' })).rejects.toMatchObject({ code: 'ERR_GATE_UNAVAILABLE' });
  });
});
