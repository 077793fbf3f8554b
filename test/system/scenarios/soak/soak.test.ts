/**
 * The soak: mixed faults for PKLAB_SOAK_MS (default 10 minutes), by hand only (PKLAB_SOAK=1; not in
 * CI). Five nodes, two clients, 20 spaces; one fault after another, chosen by the seeded PRNG: a
 * SIGKILL and restart, a host crash and restart, a pause past the failure timeout, a one-way loss
 * from a dying owner, a 3|2 partition, a partial partition, 20% packet loss, a rolling restart of one
 * node; each followed by convergence and a load phase. Bounded: at most 200 rounds and the time
 * budget; every fault and wait is bounded as in the other scenarios. Every rule is asserted at the
 * end (pending ones only with PKLAB_PENDING=1), and the figures go to docs/system-tests.md by hand.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { seededRandom } from '../../../../src/random.js';
import { Scenario } from '../../scenario.js';
import { expectRules } from '../../expect-rules.js';
import { clearLoss, crashHost, cutPairs, dropOneWay, heal, killNode, packetLoss, partition } from '../../lab/faults.js';
import type { Host } from '../../lab/lab.js';
import { LAB_TIMING, type LabNode } from '../../lab/nodes.js';
import { BASE_OPS } from '../../lab/scale.js';

const SOAK_MS = Number(process.env.PKLAB_SOAK_MS ?? 600_000);
const MAX_ROUNDS = 200;
const failureMs = Number(LAB_TIMING.PARKING_FAILURE_TIMEOUT_MS);

let s: Scenario;
beforeAll(async () => {
  s = await Scenario.open('soak', { spaces: 20 });
});
afterAll(async () => {
  await s?.close();
});

test(
  'mixed faults for ten minutes break no rule',
  async () => {
    const names = ['n1', 'n2', 'n3', 'n4', 'n5'];
    const nodes = await s.startStatic(names);
    const peers = nodes.map((n) => `${n.host.ip}:4000`);
    const random = seededRandom(s.seed);
    await s.waitConverged();
    await s.load('client1', {});
    await s.load('client2', {});
    await s.runOps(200);
    const restart = async (n: LabNode) => {
      await s.lab.setPort(n.host, true);
      await s.startNode(n.name, { discovery: 'static', peers });
    };
    const faults: [string, () => Promise<void>][] = [
      [
        'kill',
        async () => {
          const v = await s.busiest();
          s.faultBegins(`SIGKILL ${v.name}`);
          await killNode(v);
          s.faultEnds();
          await s.waitConverged();
          await s.runOps(100);
          await restart(v);
        },
      ],
      [
        'crash',
        async () => {
          const v = await s.busiest();
          s.faultBegins(`host crash ${v.name}`);
          await crashHost(s.lab, v);
          s.faultEnds();
          await s.waitConverged();
          await s.runOps(100);
          await restart(v);
        },
      ],
      [
        'pause',
        async () => {
          const v = await s.busiest();
          s.pause(v);
          await s.hold(2 * failureMs, 100);
          s.resume(v);
        },
      ],
      [
        'one-way',
        async () => {
          const v = await s.busiest();
          const peer = s.live().find((n) => n !== v)!;
          s.faultBegins(`frames ${v.name} -> ${peer.name} dropped, then SIGKILL ${v.name}`, 'split');
          await dropOneWay(s.lab, v.host, peer.host);
          await s.hold(failureMs / 2, 0);
          await killNode(v);
          await heal(s.lab);
          s.faultEnds();
          await s.waitConverged();
          await s.runOps(100);
          await restart(v);
        },
      ],
      [
        'partition',
        async () => {
          const live = s.live();
          s.faultBegins('partition 3|2', 'split');
          await partition(s.lab, [live.slice(0, 3).map((n) => n.host), live.slice(3).map((n) => n.host)]);
          await s.hold(2 * failureMs, 150);
          await heal(s.lab);
          s.faultEnds();
        },
      ],
      [
        'partial',
        async () => {
          const live = s.live();
          const [, ...rest] = live;
          const left = rest.slice(0, 2).map((n) => n.host);
          const right = rest.slice(2).map((n) => n.host);
          s.faultBegins(`partial partition around ${live[0]!.name}`, 'partial');
          await cutPairs(
            s.lab,
            left.flatMap((a) => right.map((b): [Host, Host] => [a, b])),
          );
          await s.hold(2 * failureMs, 150);
          await heal(s.lab);
          s.faultEnds();
        },
      ],
      [
        'loss',
        async () => {
          const v = await s.busiest();
          s.faultBegins(`20% loss on ${v.name}`, 'split');
          await packetLoss(s.lab, v.host, 20);
          await s.hold(3 * failureMs, 150);
          await clearLoss(s.lab);
          s.faultEnds();
        },
      ],
      [
        'restart',
        async () => {
          const v = s.live()[Math.floor(random() * s.live().length)]!;
          s.faultBegins(`rolling restart of ${v.name}`);
          expect(await v.proc.kill('SIGTERM')).toBe(0);
          await restart(v);
          s.faultEnds();
        },
      ],
    ];
    const counts: Record<string, number> = {};
    const end = Date.now() + SOAK_MS;
    for (let round = 0; round < MAX_ROUNDS && Date.now() < end; round++) {
      const [name, run] = faults[Math.floor(random() * faults.length)]!;
      counts[name] = (counts[name] ?? 0) + 1;
      await run();
      await s.waitConverged();
      await s.runOps(100);
    }
    console.log(`[soak] faults ${JSON.stringify(counts)}`);
    const report = await s.finish({ ops: BASE_OPS });
    expect(report.lotsDiffer).toEqual([]);
    expectRules(report);
  },
  SOAK_MS + 600_000,
);
