/**
 * Scenario 3, crashes under load: SIGKILL the node that runs the most gates (the kernel closes its
 * sockets: peers see a reset at once), then crash another host (port cut, then kill: peers see
 * silence until the failure timeout). No acknowledged write may be lost; the gates end with one
 * live owner each.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Scenario } from '../scenario.js';
import { expectRules } from '../expect-rules.js';
import { crashHost, killNode } from '../lab/faults.js';
import { BASE_OPS } from '../lab/scale.js';

let s: Scenario;
beforeAll(async () => {
  s = await Scenario.open('03-crashes', { spaces: 20 });
});
afterAll(async () => {
  await s?.close();
});

test('a process crash of the busiest node, then a host crash of another, lose no acknowledged write', async () => {
  await s.startStatic(['n1', 'n2', 'n3', 'n4', 'n5']);
  await s.waitConverged();
  await s.load('client1', {});
  await s.load('client2', {});
  await s.runOps(250); // load phase before the first fault

  const busiest = await s.busiest();
  s.faultBegins(`SIGKILL ${busiest.name} (busiest)`);
  await killNode(busiest);
  s.faultEnds();
  await s.waitConverged();
  await s.runOps(250); // load phase between the faults

  const victim = await s.busiest();
  s.faultBegins(`host crash ${victim.name}`);
  await crashHost(s.lab, victim);
  s.faultEnds();
  await s.waitConverged();

  const report = await s.finish({ ops: BASE_OPS });
  expect(s.live()).toHaveLength(3);
  expect(report.lotsDiffer).toEqual([]);
  expectRules(report);
  expect(report.figures.lost).toBe(0);
});
