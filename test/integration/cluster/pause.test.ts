/**
 * A gate owner paused (SIGSTOP) for longer than the failure timeout, real processes on loopback:
 * while it is stopped the others take its gates and fill the lot; an entry sent to it during the
 * pause waits in its socket. On SIGCONT its heartbeat notices the stall before it reads a socket, it
 * is fenced, and the queued entry is decided by the gate's current owner on the current state: the
 * lot stays within its spaces, every replica converges, and the paused node says it stalled.
 */
import { afterEach, expect, it } from 'vitest';
import { ErrorCodes, isParkingError } from '../../../src/errors.js';
import { killAll, startProcess, type NodeProcess } from '../../support/cluster-processes.js';
import { eventually } from '../../support/eventually.js';

afterEach(killAll);

const SPACES = 4;

async function cluster(): Promise<NodeProcess[]> {
  const flags = ['--port', '0', '--spaces', String(SPACES), '--gates', '4'];
  const first = await startProcess([...flags, '--name', 'q1', '--discovery', 'none']);
  const nodes = [first];
  for (const name of ['q2', 'q3']) {
    nodes.push(await startProcess([...flags, '--name', name, '--discovery', 'static', '--peers', nodes.map((n) => n.host).join(',')]));
  }
  await eventually(
    async () => {
      const views = await Promise.all(nodes.map((n) => n.client.cluster()));
      const tables = new Set(views.map((v) => JSON.stringify(v.gates.map((g) => g.node))));
      return views.every((v) => v.members.filter((m) => m.status === 'alive').length === 3) && tables.size === 1 && !tables.has('null');
    },
    { timeoutMs: 20_000, message: 'three nodes meshed with one gate table' },
  );
  return nodes;
}

it('a paused gate owner decides nothing on its stale replica when it resumes', { timeout: 90_000 }, async () => {
  const nodes = await cluster();
  const owner = (await nodes[0]!.client.cluster()).gates.find((g) => g.gate === 1)!.node!;
  const paused = nodes.find((n) => n.name === owner)!;
  const others = nodes.filter((n) => n !== paused);
  await others[0]!.client.trackEntry('BEFORE 1', 2);

  paused.child.kill('SIGSTOP');
  // Sent to the stopped node: accepted by its kernel, read only after SIGCONT.
  const queued = paused.client.trackEntry('QUEUED 1', 1, { requestId: 'queued-1' }).then(
    (car) => ({ ok: true as const, car }),
    (err: unknown) => ({ ok: false as const, err }),
  );
  // The others declare it dead, take gate 1 and fill the lot.
  await eventually(async () => (await others[0]!.client.cluster()).gates.find((g) => g.gate === 1)?.node !== owner, {
    timeoutMs: 15_000,
    message: 'gate 1 moved off the paused node',
  });
  for (let i = 2; i <= SPACES; i++) {
    await eventually(
      async () => {
        await others[i % 2]!.client.trackEntry(`DURING ${i}`, 1, { requestId: `during-${i}` });
        return true;
      },
      { timeoutMs: 15_000, message: `entry DURING ${i}` },
    );
  }
  expect((await others[0]!.client.read()).occupied).toBe(SPACES);

  paused.child.kill('SIGCONT');
  const outcome = await queued;
  // Never admitted on the stale replica: the lot was full.
  if (outcome.ok) throw new Error(`the resumed node admitted ${outcome.car.plate} into a full lot`);
  expect(isParkingError(outcome.err), String(outcome.err)).toBe(true);
  expect([ErrorCodes.LOT_FULL, ErrorCodes.GATE_UNAVAILABLE, ErrorCodes.OUTCOME_UNKNOWN]).toContain((outcome.err as { code: string }).code);
  await eventually(() => /stalled/.test(paused.stderr()), { message: 'the resumed node logs its stall' });

  // Every replica converges on the same lot, within its spaces.
  await eventually(
    async () => {
      const lots = await Promise.all(nodes.map((n) => n.client.read()));
      const keys = new Set(lots.map((l) => JSON.stringify(l.cars.map((c) => c.plate))));
      return keys.size === 1 && lots[0]!.occupied <= SPACES ? lots[0] : undefined;
    },
    { timeoutMs: 20_000, message: 'every replica holds the same lot' },
  );
  const lot = await nodes[0]!.client.read();
  expect(lot.occupied).toBe(SPACES);
  expect(lot.cars.map((c) => c.plate)).not.toContain('QUEUED 1');
});
