/**
 * Scenario 5, a frozen process: SIGSTOP the busiest node for longer than the failure timeout (its
 * sockets stay open, only the heartbeat notices), then SIGCONT. It rejoins, and every gate ends with
 * exactly one owner on every view, with no acknowledged write lost.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Scenario } from '../scenario.js';
import { freeze, thaw } from '../lab/faults.js';
import { LAB_TIMING } from '../lab/nodes.js';
import { delay } from '../lab/sh.js';

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
  await s.load('client1', { durationMs: 14_000 });
  await delay(2000); // load phase before the fault

  const frozen = await s.busiest();
  s.faultBegins(`SIGSTOP ${frozen.name}`);
  freeze(frozen);
  // Frozen for twice the failure timeout plus a second: long enough to be declared dead for sure.
  await delay(2 * Number(LAB_TIMING.PARKING_FAILURE_TIMEOUT_MS) + 1000);
  thaw(frozen);
  s.faultEnds();
  await s.waitConverged();

  const report = await s.finish();
  expect(s.live()).toHaveLength(5);
  expect(report.lotsDiffer).toEqual([]);
  expect(report.check.violations).toEqual([]);
  expect(report.figures.lost).toBe(0);
});
