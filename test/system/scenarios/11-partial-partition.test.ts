/**
 * Scenario 11, a partial partition under load (issue 10, item 5): n1 reaches everyone, but n2,n3 and
 * n4,n5 are cut from each other, for 8 s, then healed; twice, with the middle node changed. The
 * cluster stays connected through the middle node, so a gate must never run on two nodes (a node
 * must not start a gate that a node it cannot reach still runs); writes may miss the other side
 * until convergence. Commands that could not be decided are reported (unknown), never acknowledged
 * falsely.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Scenario } from '../scenario.js';
import { expectRules } from '../expect-rules.js';
import { cutPairs, heal } from '../lab/faults.js';
import type { Host } from '../lab/lab.js';
import { BASE_OPS } from '../lab/scale.js';

let s: Scenario;
beforeAll(async () => {
  s = await Scenario.open('11-partial-partition', { spaces: 20 });
});
afterAll(async () => {
  await s?.close();
});

test('with a middle node that reaches both sides, no gate runs twice and no write is lost', async () => {
  const nodes = await s.startStatic(['n1', 'n2', 'n3', 'n4', 'n5']);
  await s.waitConverged();
  await s.load('client1', {});
  await s.runOps(200); // load phase before the first cut
  const rounds: [number, number[], number[]][] = [
    [0, [1, 2], [3, 4]],
    [2, [0, 1], [3, 4]],
  ];
  for (const [middle, left, right] of rounds) {
    const hosts = (ix: number[]) => ix.map((i) => nodes[i]!.host);
    const pairs: [Host, Host][] = hosts(left).flatMap((a) => hosts(right).map((b): [Host, Host] => [a, b]));
    s.faultBegins(
      `partial partition: ${nodes[middle]!.name} reaches all, ${left.map((i) => nodes[i]!.name).join(',')} | ${right.map((i) => nodes[i]!.name).join(',')}`,
      'partial',
    );
    await cutPairs(s.lab, pairs);
    await s.hold(8000, 250); // the cut's length: past the failure timeout, under load
    await heal(s.lab);
    s.faultEnds();
    await s.waitConverged();
    await s.runOps(150);
  }
  const report = await s.finish({ ops: BASE_OPS });
  expect(report.lotsDiffer).toEqual([]);
  expectRules(report);
});
