/**
 * Scenario 1, mDNS across hosts: five hosts announce on their LAN address (`--mdns-interface <ip>`)
 * with no peer list and form one cluster; a sixth host started later joins it, under load.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Scenario } from '../scenario.js';
import { expectRules } from '../expect-rules.js';
import { BASE_OPS } from '../lab/scale.js';

let s: Scenario;
beforeAll(async () => {
  s = await Scenario.open('01-mdns');
});
afterAll(async () => {
  await s?.close();
});

test('five hosts on mDNS form one cluster, and a host added later joins it', async () => {
  const names = ['n1', 'n2', 'n3', 'n4', 'n5'];
  await Promise.all(names.map((n) => s.startNode(n, { discovery: 'mdns' })));
  await s.waitConverged();
  await s.load('client1', {});
  await s.runOps(300); // load phase before the join
  s.faultBegins('n6 joins');
  await s.startNode('n6', { discovery: 'mdns' });
  s.faultEnds();
  await s.waitConverged();
  expect(
    s
      .live()
      .map((n) => n.name)
      .sort(),
  ).toEqual([...names, 'n6']);
  const report = await s.finish({ ops: BASE_OPS });
  expect(report.lotsDiffer).toEqual([]);
  expectRules(report);
  expect(report.figures.lost).toBe(0);
});
