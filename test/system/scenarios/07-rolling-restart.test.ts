/**
 * Scenario 7, a rolling restart under load, as an orchestrator does it: for each node in turn,
 * SIGTERM (a graceful leave), wait for the exit, start it again, wait until the cluster is whole.
 * A client that retries refused connections and 503s on another node (same Idempotency-Key) sees
 * zero failed commands: every operation ends with an answer of the lot (201/200, or a 409 of its
 * rules), none with a 5xx, a timeout or a broken connection. (A 409 after a retried attempt is
 * recorded as `info` by the checker's rules, since the first attempt may have applied; it is still
 * an answer, not a failure.)
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Scenario } from '../scenario.js';
import { expectRules } from '../expect-rules.js';
import { BASE_OPS } from '../lab/scale.js';

let s: Scenario;
beforeAll(async () => {
  s = await Scenario.open('07-rolling-restart', { spaces: 20 });
});
afterAll(async () => {
  await s?.close();
});

test('restarting every node in turn under load fails no command and loses no write', async () => {
  const names = ['n1', 'n2', 'n3', 'n4', 'n5'];
  const nodes = await s.startStatic(names);
  await s.waitConverged();
  const peers = nodes.map((n) => `${n.host.ip}:4000`);
  await s.load('client1', {});
  for (const name of names) {
    s.faultBegins(`rolling restart of ${name}`);
    const exit = await s.nodes.get(name)!.proc.kill('SIGTERM');
    expect(exit).toBe(0);
    await s.startNode(name, { discovery: 'static', peers });
    s.faultEnds();
    await s.waitConverged();
    await s.runOps(100); // load phase between restarts
  }
  const report = await s.finish({ ops: BASE_OPS });
  expect(report.lotsDiffer).toEqual([]);
  expectRules(report);
  expect(report.figures.lost).toBe(0);
  const failed = report.history.filter((o) => o.type !== 'ok' && o.status !== 409);
  expect(failed).toEqual([]);
});
