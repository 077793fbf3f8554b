/**
 * Scenario 5, a frozen process: SIGSTOP the busiest node for longer than the failure timeout (its
 * sockets stay open, only the heartbeat notices), then SIGCONT. It rejoins, and every gate ends with
 * exactly one owner on every view, with no acknowledged write lost.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Scenario } from '../scenario.js';
import { expectRules } from '../expect-rules.js';
import { LAB_TIMING } from '../lab/nodes.js';
import { waitFor } from '../lab/sh.js';
import { BASE_OPS } from '../lab/scale.js';

let s: Scenario;
beforeAll(async () => {
  s = await Scenario.open('05-freeze', { spaces: 20 });
});
afterAll(async () => {
  await s?.close();
});

test('a node frozen past the failure timeout rejoins when thawed, and each gate has one owner', async () => {
  await s.startStatic(['n1', 'n2', 'n3', 'n4', 'n5']);
  await s.waitConverged();
  await s.load('client1', {});
  await s.runOps(300); // load phase before the fault

  const frozen = await s.busiest();
  s.pause(frozen);
  // The others notice the silence: every one of them declares the frozen node dead and moves its gates.
  const others = s.live().filter((n) => n !== frozen);
  await waitFor(`${frozen.name} declared dead by every other node`, 4 * Number(LAB_TIMING.PARKING_FAILURE_TIMEOUT_MS) + 5000, async () => {
    const answers = await s.answers(s.urls(others));
    const dead = answers.every(
      (a) =>
        a.cluster?.members.find((m: { name: string }) => m.name === frozen.name)?.status === 'dead' &&
        !a.cluster.gates.some((g: { node: string | null }) => g.node === frozen.name),
    );
    return dead ? true : undefined;
  });
  // Stay frozen a while longer under load (the rest of the cluster works without it), then thaw.
  await s.hold(Number(LAB_TIMING.PARKING_FAILURE_TIMEOUT_MS), 150);
  s.resume(frozen);
  await s.waitConverged();

  const report = await s.finish({ ops: BASE_OPS });
  expect(s.live()).toHaveLength(5);
  expect(report.lotsDiffer).toEqual([]);
  // Every rule: the resumed node decides nothing before it is fenced and re-synced, and a request that
  // waited in its sockets while its retry was applied elsewhere is answered, not applied again.
  expectRules(report);
  expect(report.figures.lost).toBe(0);
});
