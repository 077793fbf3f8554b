/**
 * Scenario 6, a bad link: 20% random packet loss on one host for 15 s under load, then a 1 Mbit/s
 * bandwidth limit on another for 5 s. TCP retransmits; heartbeats may flap. After the link is
 * repaired, the cluster converges and no acknowledged write is lost.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Scenario } from '../scenario.js';
import { expectRules } from '../expect-rules.js';
import { clearBandwidth, clearLoss, limitBandwidth, packetLoss } from '../lab/faults.js';
import { BASE_OPS } from '../lab/scale.js';

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
  await s.load('client1', {});
  await s.runOps(150); // load phase before the fault

  const lossy = await s.busiest();
  s.faultBegins(`20% loss on ${lossy.name}`, 'split');
  await packetLoss(s.lab, lossy.host, 20);
  await s.hold(15_000, 300); // the fault's length
  await clearLoss(s.lab);
  s.faultEnds();
  await s.waitConverged();

  const slow = nodes.find((n) => n !== lossy)!;
  s.faultBegins(`1mbit on ${slow.name}`, 'split');
  await limitBandwidth(slow.host, '1mbit');
  await s.hold(5000, 150); // the fault's length
  await clearBandwidth(slow.host);
  s.faultEnds();
  await s.waitConverged();

  const report = await s.finish({ ops: BASE_OPS });
  expect(report.lotsDiffer).toEqual([]);
  expectRules(report);
  expect(report.figures.lost).toBe(0);
});
