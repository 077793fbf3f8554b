/**
 * A seeded randomized whole-cluster test on the in-memory network and the fake clock (the yjs testing
 * style): one PRNG drives joins (new names, and restarts of crashed ones), crashes, pauses, partitions,
 * heals and commands (entries and exits at random gates through random nodes, one at a time, each with
 * its own request id). Then every cut is healed and the clock advanced until the cluster is quiet, and
 * what must hold after any history is checked:
 *
 * - every live replica holds the same visits (so the same lot);
 * - the lot is what an OR-map model of the acknowledged commands allows: every acknowledged entry whose
 *   plate saw no later exit attempt is inside, as the visit it answered; every acknowledged exit's visit
 *   is gone; every visit inside comes from one entry that was not refused, and from no other;
 * - every gate has one owner, a live node, in the view of every live node, and runs on that node only.
 *
 * A command that failed with a refusal (ERR_ALREADY_INSIDE, ERR_NOT_INSIDE, ERR_LOT_FULL) changed
 * nothing; one that failed otherwise (ERR_GATE_UNAVAILABLE, ERR_NODE_STOPPING, ...) has an unknown
 * outcome and may or may not have been applied. An exit removes every visit of the plate its gate owner
 * observed, so an entry followed by any exit attempt of its plate may be gone. Not checked: cars <=
 * spaces (overbooking across partitions is the escrow issue's).
 *
 * A pause is a node that hears nothing and is heard by no one for longer than failureTimeoutMs: the
 * memory network drops the frames of a cut (it cannot yet hold them, or freeze one node's timers).
 *
 * `npm test` runs SEEDS; `PARKING_SEED=<n> npx vitest run test/unit/cluster/randomized-cluster.test.ts`
 * replays one and prints its history.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { requestTag } from '../../../src/crdt/lot-document.js';
import { isParkingError } from '../../../src/errors.js';
import { seededRandom, type Random } from '../../../src/random.js';
import type { Car } from '../../../src/types.js';
import { meshed, memoryCluster, type MemoryCluster } from '../../support/memory-cluster.js';

const REPLAY = process.env.PARKING_SEED;
/** `PARKING_SEEDS=1-200`: a longer run by hand. */
const RANGE = /^(\d+)-(\d+)$/.exec(process.env.PARKING_SEEDS ?? '');
/**
 * The seeds `npm test` runs: 1 to 30. Seeds 3, 8, 9, 14, 18 and 27 (and 39 more of 1..200) used to end
 * with an acknowledged entry gone or an acknowledged exit undone: the node that acknowledged it was
 * alone in its view (its peers declared dead during a pause or a cut) and crashed before any peer
 * received the write. Since a node that lost every peer is fenced (src/cluster/join.ts) they pass.
 */
const SEEDS =
  REPLAY !== undefined
    ? [Number(REPLAY)]
    : RANGE !== null
      ? Array.from({ length: Number(RANGE[2]) - Number(RANGE[1]) + 1 }, (_, i) => Number(RANGE[1]) + i)
      : Array.from({ length: 30 }, (_, i) => i + 1);
const STEPS = 80;
const GATES = 4;
const SPACES = 8;
const PLATES = Array.from({ length: 10 }, (_, i) => `R ${i + 1}`);
const MAX_NAMES = 6;
/** Answers that say the command changed nothing. */
const REFUSALS = new Set(['ERR_ALREADY_INSIDE', 'ERR_NOT_INSIDE', 'ERR_LOT_FULL']);

let cluster: MemoryCluster | undefined;
afterEach(async () => {
  await cluster?.stopAll();
  cluster = undefined;
});

interface Command {
  op: 'entry' | 'exit';
  plate: string;
  gate: number;
  node: string;
  requestId: string;
  outcome: 'acked' | 'refused' | 'unknown';
  code?: string;
  /** The car entered (entry) or reported as left (exit), when acknowledged. */
  car?: Car;
}

const pick = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random() * list.length)]!;

function shuffle<T>(random: Random, list: readonly T[]): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const sameCar = (a: Car, b: Car) => a.plate === b.plate && a.gate === b.gate && a.enteredAt === b.enteredAt && a.node === b.node;
const show = (car: Car | undefined) => (car === undefined ? '' : ` ${car.plate}@${car.gate}/${car.enteredAt}/${car.node}`);

async function command(
  c: MemoryCluster,
  history: Command[],
  node: string,
  op: 'entry' | 'exit',
  plate: string,
  gate: number,
): Promise<Command> {
  const n = c.node(node);
  const requestId = `rc-${history.length}`;
  const cmd: Command = { op, plate, gate, node, requestId, outcome: 'unknown' };
  history.push(cmd);
  const options = { requestId };
  try {
    // Every command is answered within commandDeadlineMs (3 s in the test preset); 30 s is a liveness bound.
    if (op === 'entry') cmd.car = await c.clock.run(n.trackEntry(plate, gate, options), 30_000);
    else cmd.car = (await c.clock.run(n.trackExit(plate, gate, options), 30_000)).car;
    cmd.outcome = 'acked';
  } catch (err) {
    if (!isParkingError(err)) throw err;
    cmd.code = err.code;
    cmd.outcome = REFUSALS.has(err.code) ? 'refused' : 'unknown';
  }
  return cmd;
}

/** Every live visit of a node's replica, as `id tag plate@gate/enteredAt/node` lines, sorted. */
function visits(c: MemoryCluster, node: string): string[] {
  return [...c.node(node).lot.liveVisits()].map(([id, v]) => `${id} ${v.req ?? '-'}${show(v)}`).sort();
}

/** What is not yet converged among `alive` ('' when quiet). */
async function unsettled(c: MemoryCluster, alive: string[]): Promise<string> {
  const first = JSON.stringify(visits(c, alive[0]!));
  for (const n of alive) if (JSON.stringify(visits(c, n)) !== first) return `replica ${n} differs from ${alive[0]}`;
  const tables = await Promise.all(alive.map(async (n) => JSON.stringify((await c.node(n).cluster()).gates.map((g) => g.node))));
  if (new Set(tables).size !== 1) return `gate tables differ: ${tables.join(' | ')}`;
  const owned = (await Promise.all(alive.map(async (n) => (await c.node(n).status()).gatesOwned))).flat();
  if (owned.length !== GATES) return `gate workers running: ${JSON.stringify(owned)}`;
  return '';
}

async function run(seed: number, trace: string[]): Promise<void> {
  const random = seededRandom(seed);
  const initial = ['a', 'b', 'c'];
  cluster = await memoryCluster(initial, { seed, config: { gates: GATES, spaces: SPACES } });
  const c = cluster;
  await meshed(c, initial);
  const live = new Set(initial);
  const crashed: string[] = [];
  let names = initial.length;
  const history: Command[] = [];
  const at = () => `t=${c.clock.monotonic()}`;

  for (let step = 0; step < STEPS; step++) {
    const roll = random();
    const liveNames = [...live].sort();
    if (roll < 0.55) {
      const op = random() < 0.55 ? 'entry' : 'exit';
      const cmd = await command(c, history, pick(random, liveNames), op, pick(random, PLATES), 1 + Math.floor(random() * GATES));
      trace.push(
        `${at()} ${cmd.requestId} ${op} ${cmd.plate} gate ${cmd.gate} via ${cmd.node}: ${cmd.outcome}${cmd.code ? ` ${cmd.code}` : ''}${show(cmd.car)}`,
      );
    } else if (roll < 0.63 && (names < MAX_NAMES || crashed.length > 0)) {
      // A new node, or a crashed one restarted under its name (a new incarnation).
      const name =
        names < MAX_NAMES && (crashed.length === 0 || random() < 0.5)
          ? `n${names++}`
          : crashed.splice(Math.floor(random() * crashed.length), 1)[0]!;
      await c.add(name);
      live.add(name);
      trace.push(`${at()} join ${name}`);
    } else if (roll < 0.7 && live.size > 2) {
      const victim = pick(random, liveNames);
      c.network.crash(victim);
      await c.clock.run(c.node(victim).stop());
      live.delete(victim);
      crashed.push(victim);
      trace.push(`${at()} crash ${victim}`);
    } else if (roll < 0.78) {
      const paused = pick(random, liveNames);
      const ms = 700 + Math.floor(random() * 500);
      c.network.partition(
        [paused],
        liveNames.filter((n) => n !== paused),
      );
      await c.clock.advance(ms);
      c.network.heal(); // every cut heals, an earlier partition's too
      trace.push(`${at()} pause ${paused} for ${ms} ms, then heal`);
    } else if (roll < 0.9) {
      const order = shuffle(random, liveNames);
      const cut = 1 + Math.floor(random() * (order.length - 1));
      c.network.partition(order.slice(0, cut), order.slice(cut));
      const ms = Math.floor(random() * 1500);
      await c.clock.advance(ms);
      trace.push(`${at()} partition ${order.slice(0, cut).join(',')} | ${order.slice(cut).join(',')}, ${ms} ms`);
    } else {
      c.network.heal();
      const ms = Math.floor(random() * 1000);
      await c.clock.advance(ms);
      trace.push(`${at()} heal, ${ms} ms`);
    }
  }

  // Heal everything and let the cluster settle: joins finish, anti-entropy repairs, gates are placed.
  c.network.heal();
  const alive = [...live].sort();
  let settled = '';
  await c.clock.until(async () => (settled = await unsettled(c, alive)) === '', { timeoutMs: 30_000 }).catch(() => undefined);
  await c.clock.advance(2000); // and stays so through a few more anti-entropy rounds
  trace.push(`${at()} healed; live ${alive.join(',')}${settled === '' ? '' : `; never quiet: ${settled}`}`);

  // One lot on every replica.
  const lot = visits(c, alive[0]!);
  for (const n of alive.slice(1)) expect(visits(c, n), `replica ${n} vs ${alive[0]}`).toEqual(lot);

  // One owner per gate, a live node, in every live node's view; its worker runs there and nowhere else.
  const views = await Promise.all(alive.map(async (n) => (await c.node(n).cluster()).gates.map((g) => g.node)));
  const running = await Promise.all(alive.map(async (n) => (await c.node(n).status()).gatesOwned));
  for (let gate = 1; gate <= GATES; gate++) {
    const owner = views[0]![gate - 1];
    expect(alive, `owner of gate ${gate}`).toContain(owner);
    views.forEach((view, i) => expect(view[gate - 1], `owner of gate ${gate} seen by ${alive[i]}`).toBe(owner));
    const runners = alive.filter((_, i) => running[i]!.includes(gate));
    expect(runners, `nodes running gate ${gate}`).toEqual([owner]);
  }

  // The OR-map model of the acknowledged commands.
  const live0 = [...c.node(alive[0]!).lot.liveVisits().values()];
  const entryByTag = new Map(history.filter((h) => h.op === 'entry').map((h) => [requestTag(h.requestId), h]));
  const tags = live0.map((v) => v.req);
  for (const v of live0) {
    const from = v.req === undefined ? undefined : entryByTag.get(v.req);
    expect(from, `visit${show(v)} from no entry of this run`).toBeDefined();
    expect(from!.outcome, `visit${show(v)} of ${from!.requestId}`).not.toBe('refused');
    expect(from!.plate, `visit of ${from!.requestId}`).toBe(v.plate);
    expect(
      tags.filter((t) => t === v.req),
      `visits of ${from!.requestId} (one entry, applied once)`,
    ).toHaveLength(1);
  }
  history.forEach((h, i) => {
    if (h.outcome !== 'acked') return;
    if (h.op === 'exit') {
      expect(live0.filter((v) => sameCar(v, h.car!)).map(show), `the visit ${h.requestId} reported as left`).toEqual([]);
      return;
    }
    // Any exit of the plate after it may have removed it, and so may an earlier one whose outcome is
    // unknown (its gate may still have run it after the client gave up).
    const mayHaveLeft = history.some(
      (x, j) => x.op === 'exit' && x.plate === h.plate && (j > i ? x.outcome !== 'refused' : x.outcome === 'unknown'),
    );
    if (mayHaveLeft) return;
    const visit = live0.find((v) => v.req === requestTag(h.requestId));
    expect(visit && show(visit), `the visit of ${h.requestId}, acknowledged, with no exit that may have removed it`).toBe(show(h.car));
  });

  expect(
    history.some((h) => h.outcome === 'acked'),
    'some command acknowledged',
  ).toBe(true);
}

describe('randomized cluster', () => {
  for (const seed of SEEDS) {
    it(`RandomJoinsCrashesPausesPartitionsAndCommands_HealAndSettle_OneLotOneOwnerPerGateAndTheModelsVisits (seed ${seed})`, async () => {
      const trace: string[] = [];
      try {
        await run(seed, trace);
        if (REPLAY !== undefined) console.log(`seed ${seed}\n${trace.join('\n')}`);
      } catch (err) {
        const history = REPLAY !== undefined ? `\n${trace.join('\n')}` : '';
        throw new Error(
          `seed ${seed} failed; replay: PARKING_SEED=${seed} npx vitest run test/unit/cluster/randomized-cluster.test.ts\n${(err as Error).message}${history}`,
          { cause: err },
        );
      }
    });
  }
});
