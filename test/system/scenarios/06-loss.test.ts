/**
 * Scenario 6, a bad link: 20% random packet loss on one host for 15 s under load, then a 1 Mbit/s
 * bandwidth limit on another for 5 s. TCP retransmits; heartbeats may flap. After the link is
 * repaired, the cluster converges and no acknowledged write is lost.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Scenario } from '../scenario.js';
import { clearBandwidth, clearLoss, limitBandwidth, packetLoss } from '../lab/faults.js';
import { delay } from '../lab/sh.js';

let s: Scenario;
beforeAll(async () => {
  s = await Scenario.open('06-loss', { spaces: 20 });
});
afterAll(async () => {
  await s?.close();
});

test('20% packet loss on one host, then a bandwidth limit on another, lose no acknowledged write', async () => {
  const nodes = await s.startStatic(['n1', 'n2', 'n3', 'n4', 'n5']);
  await s.waitConverged();
  await s.load('client1', { durationMs: 26_000 });
  await delay(2000); // load phase before the fault

  const lossy = await s.busiest();
  s.faultBegins(`20% loss on ${lossy.name}`);
  await packetLoss(s.lab, lossy.host, 20);
  await delay(15_000); // the fault's length
  await clearLoss(s.lab);
  s.faultEnds();
  await s.waitConverged();

  const slow = nodes.find((n) => n !== lossy)!;
  s.faultBegins(`1mbit on ${slow.name}`);
  await limitBandwidth(slow.host, '1mbit');
  await delay(5000); // the fault's length
  await clearBandwidth(slow.host);
  s.faultEnds();
  await s.waitConverged();

  const report = await s.finish();
  expect(report.lotsDiffer).toEqual([]);
  expect(report.check.violations).toEqual([]);
  expect(report.figures.lost).toBe(0);
});
