/**
 * Scenario 4, partitions: the cluster cut 3|2 for 10 s with writes on both sides (each side runs
 * every gate: an AP system), then healed; then an asymmetric cut (n1-n2 cut, n3 sees both) for 6 s,
 * healed. Only 10 spaces for 30 plates: each side fills the lot on its own view, so the merged lot
 * may hold more cars than spaces (overbooking, reported as a figure). After each heal the cluster
 * converges: identical lots, one owner per gate, and the final lot agrees with the history
 * (concurrent writes of the two sides merge as the OR-map says).
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Scenario } from '../scenario.js';
import { expectRules } from '../expect-rules.js';
import { cutPairs, heal, partition } from '../lab/faults.js';
import { BASE_OPS } from '../lab/scale.js';

let s: Scenario;
beforeAll(async () => {
  s = await Scenario.open('04-partitions', { spaces: 10 });
});
afterAll(async () => {
  await s?.close();
});

test('a 3|2 partition with writes on both sides, then an asymmetric cut, converge after healing', async () => {
  const nodes = await s.startStatic(['n1', 'n2', 'n3', 'n4', 'n5']);
  await s.waitConverged();
  const [n1, n2, n3, n4, n5] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];
  const left = [n1, n2, n3];
  const right = [n4, n5];
  // One client per side, sending only to its side's nodes (the observer is on neither side).
  await s.load('client1', { urls: s.urls(left) });
  await s.load('client2', { urls: s.urls(right) });
  const c1 = s.lab.host('client1');
  const c2 = s.lab.host('client2');
  await s.runOps(150); // load phase before the fault

  s.faultBegins('partition n1,n2,n3 | n4,n5', 'split');
  await partition(s.lab, [
    [...left.map((n) => n.host), c1],
    [...right.map((n) => n.host), c2],
  ]);
  await s.hold(10_000, 300); // the partition's length: past the failure timeout, under load
  await heal(s.lab);
  s.faultEnds();
  await s.waitConverged();

  s.faultBegins('asymmetric cut n1-n2, n3 sees both', 'split');
  await cutPairs(s.lab, [[n1.host, n2.host]]);
  await s.hold(6000, 200); // the cut's length
  await heal(s.lab);
  s.faultEnds();
  await s.waitConverged();

  const report = await s.finish({ ops: BASE_OPS });
  expect(report.lotsDiffer).toEqual([]);
  // Every rule: at the heal each side holds the other's member:up until every gate both ran is
  // released (the greater name yields on the claim), so no gate runs on two nodes that see each other.
  expectRules(report);
  expect(report.figures.lost).toBe(0);
});
