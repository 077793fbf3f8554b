/**
 * Scenario 12, joins over a slow link (issue 10, "a joining node runs every gate for a moment"): a
 * fifth node joins four under load through a link that holds every chunk 100 ms each way (tc netem
 * is not in this kernel: a delaying TCP proxy in the joiner's host, lab/slow-link.ts); then it
 * leaves gracefully (SIGTERM) and joins again over the same link. Its view is itself alone until
 * the peers' answers arrive, 200 ms later: it must not run a gate before it is placed there by a view
 * that includes them, and the old owners hand their gates over one at a time.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Scenario } from '../scenario.js';
import { expectRules } from '../expect-rules.js';
import { BASE_OPS } from '../lab/scale.js';
import { slowLink, type SlowLink } from '../lab/slow-link.js';

let s: Scenario;
let link: SlowLink | undefined;
beforeAll(async () => {
  // 8 gates: the placement gives the joiner two of them (7 and 8), so each join hands gates over.
  s = await Scenario.open('12-slow-join', { spaces: 20, gates: 8 });
});
afterAll(async () => {
  await link?.remove().catch(() => undefined);
  await s?.close();
});

test('a node joining over a 100 ms link never runs a gate its owner still runs', async () => {
  const nodes = await s.startStatic(['n1', 'n2', 'n3', 'n4']);
  await s.waitConverged();
  await s.load('client1', {});
  await s.runOps(200); // load phase before the join
  const joiner = await s.host('n5');
  link = await slowLink(
    s.lab,
    joiner,
    nodes.map((n) => n.host),
    100,
    s.workDir,
    join(s.logDir, 'delay-proxy.log'),
  );
  const peers = [...nodes.map((n) => n.host), joiner].map((h) => `${h.ip}:4000`);
  for (let round = 1; round <= 2; round++) {
    s.faultBegins(`n5 joins over a 100 ms link (${round})`);
    await s.startNode('n5', { discovery: 'static', peers });
    s.faultEnds();
    await s.waitConverged();
    await s.runOps(200);
    if (round === 1) {
      s.faultBegins('n5 leaves (SIGTERM)');
      expect(await s.nodes.get('n5')!.proc.kill('SIGTERM')).toBe(0);
      s.faultEnds();
      await s.waitConverged();
      await s.runOps(100);
    }
  }
  const report = await s.finish({ ops: BASE_OPS });
  expect(report.lotsDiffer).toEqual([]);
  expectRules(report);
});
