/**
 * Scenario 9, a gate owner paused under load (issue 10, "zombie owner after a pause"): SIGSTOP the
 * busiest node for twice the failure timeout while one client sends to every node and another only
 * to the paused one (its requests wait in the paused process's sockets), then SIGCONT; twice. The lot
 * has 5 spaces, so a resumed node that decided the queued requests on its stale replica would
 * overbook it (reported as a figure). Once resumed, the node must read what its peers sent before
 * judging them, stop deciding for the gates it no longer owns, and decide nothing on a stale state:
 * every rule of the checker holds, including one running owner per gate from the SIGCONT on.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Scenario } from '../scenario.js';
import { expectRules } from '../expect-rules.js';
import { LAB_TIMING } from '../lab/nodes.js';
import { BASE_OPS } from '../lab/scale.js';

let s: Scenario;
beforeAll(async () => {
  s = await Scenario.open('09-pause-owner', { spaces: 5 });
});
afterAll(async () => {
  await s?.close();
});

test('a gate owner paused past the failure timeout under load decides nothing stale when resumed', async () => {
  await s.startStatic(['n1', 'n2', 'n3', 'n4', 'n5']);
  await s.waitConverged();
  await s.load('client1', {});
  await s.runOps(200); // load phase before the first pause
  const failureMs = Number(LAB_TIMING.PARKING_FAILURE_TIMEOUT_MS);
  for (let round = 1; round <= 2; round++) {
    const owner = await s.busiest();
    // A client that sends only to the owner: its requests wait in the paused process's sockets.
    await s.load(`queued${round}`, { urls: [owner.url], workers: 3, rate: 10 });
    s.pause(owner);
    await s.hold(2 * failureMs, 100); // the pause: past the failure timeout, under load
    s.resume(owner);
    await s.waitConverged();
    await s.runOps(150); // load phase after the resume
  }
  const report = await s.finish({ ops: BASE_OPS });
  expect(s.live()).toHaveLength(5);
  expect(report.lotsDiffer).toEqual([]);
  // Every rule: the resumed node is fenced at its first decision, and a request that waited in its
  // sockets is answered from the exit log or the visit when its retry was applied elsewhere.
  expectRules(report);
});
