/**
 * A seeded randomized whole-cluster test on the in-memory network and the fake clock (the yjs
 * testing style): random joins, crashes, pauses (one node cut off past the failure timeout),
 * partitions, heals and commands, driven by one PRNG. Then the cluster is healed and left quiet,
 * and what must hold of any history is checked:
 *
 * - every live replica holds the same lot, and every live node shows the same gate table, with one
 *   live owner per gate;
 * - an acknowledged entry not followed by an acknowledged exit of that plate is inside (the OR-map
 *   never undoes an acknowledged entry), unless no survivor held it when its node crashed (a write
 *   acknowledged after its ack timed out on unreachable peers dies with its node: the gate-safety
 *   issue; such entries are counted and printed with PARKING_SEED, not checked);
 * - afterwards, in the healed cluster, commands behave as on one sequential lot: each answer is what
 *   a reference model of the lot answers, and the lot ends equal to the model.
 *
 * Not checked here: cars <= spaces across partitions (overbooking while partitioned is a known open
 * issue, the escrow of spaces), and what an exit acknowledged during a partition leaves behind (the
 * gate-safety issue). A fixed set of seeds runs in `npm test`; `PARKING_SEED=<n>` replays one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isParkingError } from '../../../src/errors.js';
import { seededRandom, type Random } from '../../../src/random.js';
import { meshed, memoryCluster, type MemoryCluster } from '../../support/memory-cluster.js';

const SEEDS = process.env.PARKING_SEED !== undefined ? [Number(process.env.PARKING_SEED)] : [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const STEPS = 40;
const GATES = 4;
const SPACES = 12;
const PLATES = Array.from({ length: 10 }, (_, i) => `R ${i + 1}`);

let cluster: MemoryCluster | undefined;
afterEach(async () => {
  await cluster?.stopAll();
  cluster = undefined;
});

const pick = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random() * list.length)]!;

type Answer = { ok: true } | { ok: false; code: string };

async function command(c: MemoryCluster, node: string, op: 'entry' | 'exit', plate: string, gate: number): Promise<Answer> {
  const n = c.node(node);
  try {
    await c.clock.run<unknown>(op === 'entry' ? n.trackEntry(plate, gate) : n.trackExit(plate, gate), 30_000);
    return { ok: true };
  } catch (err) {
    if (isParkingError(err)) return { ok: false, code: err.code };
    throw err;
  }
}

async function run(seed: number): Promise<void> {
  const random = seededRandom(seed);
  const names = ['a', 'b', 'c'];
  cluster = await memoryCluster(names, { seed, config: { gates: GATES, spaces: SPACES } });
  const c = cluster;
  await meshed(c, names);
  const live = new Set(names);
  let joined = names.length;
  /** The last acknowledged operation of each plate, and whether it died with a crashed node. */
  const last = new Map<string, { op: 'entry' | 'exit'; mayBeLost: boolean }>();
  const stats = { acked: 0, refused: 0, faults: 0, joins: 0, crashes: 0 };

  for (let step = 0; step < STEPS; step++) {
    const roll = random();
    const liveNames = [...live].sort();
    if (roll < 0.6) {
      const plate = pick(random, PLATES);
      const op = random() < 0.55 ? 'entry' : 'exit';
      const answer = await command(c, pick(random, liveNames), op, plate, 1 + Math.floor(random() * GATES));
      if (answer.ok) last.set(plate, { op, mayBeLost: false });
      if (answer.ok) stats.acked++;
      else stats.refused++;
    } else if (roll < 0.7 && joined < 6) {
      const name = `n${joined++}`;
      await c.add(name, { gates: GATES, spaces: SPACES });
      live.add(name);
      stats.joins++;
    } else if (roll < 0.78 && live.size > 2) {
      const victim = pick(random, liveNames);
      // An acknowledged write that no survivor holds dies with its node: its ack timed out on the
      // peers it could not reach (a cut, a pause, a link still redialing). That loss is the
      // gate-safety issue's, not this test's: such entries are not checked below.
      const survivors = liveNames.filter((n) => n !== victim);
      const held = new Set<string>();
      for (const n of survivors) for (const car of (await c.node(n).read()).cars) held.add(car.plate);
      for (const [plate, entry] of last) if (entry.op === 'entry' && !held.has(plate)) entry.mayBeLost = true;
      c.network.crash(victim);
      await c.clock.run(c.node(victim).stop());
      live.delete(victim);
      stats.crashes++;
    } else if (roll < 0.88) {
      const shuffled = [...liveNames].sort(() => random() - 0.5);
      const cut = 1 + Math.floor(random() * (shuffled.length - 1));
      c.network.partition(shuffled.slice(0, cut), shuffled.slice(cut));
      stats.faults++;
      await c.clock.advance(Math.floor(random() * 1500));
    } else if (roll < 0.94) {
      // A pause: one node hears nothing and is heard by no one for longer than failureTimeoutMs.
      const paused = pick(random, liveNames);
      c.network.partition(
        [paused],
        liveNames.filter((n) => n !== paused),
      );
      await c.clock.advance(700 + Math.floor(random() * 500));
      c.network.heal(); // heals every cut, an earlier partition's too
      stats.faults++;
    } else {
      c.network.heal();
      await c.clock.advance(Math.floor(random() * 1000));
    }
  }

  c.network.heal();
  const alive = [...live].sort();
  await meshed(c, alive);
  await c.clock.advance(2000); // anti-entropy rounds: every replica repairs what a push missed

  // Converged: one lot, one gate table with a live owner per gate.
  const lots = await Promise.all(alive.map(async (n) => JSON.stringify((await c.node(n).read()).cars.map((car) => car.plate).sort())));
  expect(new Set(lots).size, `lots: ${lots.join(' | ')}`).toBe(1);
  const tables = await Promise.all(alive.map(async (n) => JSON.stringify((await c.node(n).cluster()).gates.map((g) => g.node))));
  expect(new Set(tables).size).toBe(1);
  for (const owner of (await c.node(alive[0]!).cluster()).gates.map((g) => g.node)) expect(alive).toContain(owner);

  // No acknowledged entry was undone.
  const inside = new Set((await c.node(alive[0]!).read()).cars.map((car) => car.plate));
  for (const [plate, { op, mayBeLost }] of last) {
    if (op === 'entry' && !mayBeLost) expect(inside.has(plate), `${plate} entered last, acknowledged`).toBe(true);
  }
  // The run did something: commands were acknowledged and faults happened.
  expect(stats.acked, JSON.stringify(stats)).toBeGreaterThan(0);
  const lost = [...last.values()].filter((e) => e.mayBeLost).length;
  if (process.env.PARKING_SEED !== undefined) console.log(`seed ${seed}: ${JSON.stringify({ ...stats, lostWithACrash: lost })}`);

  // Healed and quiet, the cluster is one sequential lot: every answer matches the model's.
  const model = new Set(inside);
  for (let k = 0; k < 30; k++) {
    const plate = pick(random, PLATES);
    const op = random() < 0.5 ? 'entry' : 'exit';
    const node = pick(random, alive);
    const answer = await command(c, node, op, plate, 1 + Math.floor(random() * GATES));
    let expected: Answer;
    if (op === 'entry')
      expected = model.has(plate)
        ? { ok: false, code: 'ERR_ALREADY_INSIDE' }
        : model.size >= SPACES
          ? { ok: false, code: 'ERR_LOT_FULL' }
          : { ok: true };
    else expected = model.has(plate) ? { ok: true } : { ok: false, code: 'ERR_NOT_INSIDE' };
    expect(answer, `${op} ${plate} at ${node}`).toEqual(expected);
    if (answer.ok) {
      if (op === 'entry') model.add(plate);
      else model.delete(plate);
    }
  }
  for (const n of alive) expect((await c.node(n).read()).cars.map((car) => car.plate).sort()).toEqual([...model].sort());
}

describe('randomized cluster', () => {
  for (const seed of SEEDS) {
    it(`RandomFaultsAndCommands_ConvergeToOneLotAndOneGateTable_ThenActAsOneLot (seed ${seed})`, async () => {
      try {
        await run(seed);
      } catch (err) {
        throw new Error(
          `seed ${seed} failed; replay: PARKING_SEED=${seed} npx vitest run test/unit/cluster/randomized-cluster.test.ts\n${(err as Error).message}`,
          { cause: err },
        );
      }
    });
  }
});
