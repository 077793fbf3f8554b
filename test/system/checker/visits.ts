/**
 * Rules (a), (b) and (c) of issue 10 over what the nodes reported (`car:entered` / `car:left` on every
 * node's event stream) and the clients' history, pure. The final lot is checked against the history
 * by check-lot.ts; this adds what only the events show, at every moment of the run.
 *
 * What the events say. A node emits `car:entered` when a plate goes from no live visit to one (the
 * car is that visit) and `car:left` when its last live visit goes (the car is that visit): events
 * follow a plate in and out, not every visit (a second, concurrent visit of a plate already inside
 * is not reported). So every check below is about plates going in and out, and the visits the events
 * do show; what no event shows is left to the final lot.
 *
 * (a) never undone — `entry-undone`: a node saw a plate leave although an acknowledged entry of it
 *     was made before and no exit that may remove that visit had been invoked; `exit-undone`: a visit
 *     that an acknowledged exit returned was shown inside, then out, then inside again on one node
 *     (Yjs never restores a deleted item: only a re-application does that).
 * (b) at most once — `applied-twice`: every visit is the effect of one entry command. Visits that
 *     carry their request tag (a `req` field on the car, hex: the entry's request id hashed as
 *     src/crdt/visit-codec.ts `requestTag` does) are grouped by it: visits of one id are attempts of
 *     one command, which the lot shows as one car (docs/data-model.md, "Attempts of one command");
 *     it was applied twice when a node shows a car of that id inside again after it showed it leave,
 *     and a tag of no entry command is a visit nobody made. Without the tag, the visits the events show are matched to commands:
 *     an acknowledged entry explains exactly the visit it returned; an indeterminate one may explain
 *     one visit of its plate and gate made after it was invoked; a visit no command is left to explain was
 *     applied twice (or by nobody), unless a refused entry of the plate was under way when it was
 *     made: then that refusal had an effect (`refusal-with-effect`, below).
 * (c) honest answers — `ack-without-effect`: a 201 at whose answer its deciding node showed the
 *     plate out while no exit that may remove it had been invoked, or a 200 exit during which no node
 *     removed the plate (checked when every stream covered the operation); `refusal-with-effect`:
 *     a plate left, or a visit no acknowledged entry explains was made, while only a refused exit
 *     (entry) of the plate was under way (a 4xx promises no effect: a first
 *     attempt applied the command, and its retry answered ERR_NOT_INSIDE instead of the first
 *     result or an unknown outcome); `shared-ack`: two entries acknowledged with one visit, or an
 *     exit acknowledged with the visit an exit acknowledged before it had removed (outside network
 *     faults: it had nothing left to remove); `dishonest-not-inside`: an exit refused with ERR_NOT_INSIDE although
 *     an acknowledged entry of the plate completed before it was invoked, outside network faults,
 *     and no exit of the plate may have removed that visit meanwhile (the ack promises that every
 *     live peer, and so any later owner, has the entry).
 * Times from two processes are compared with the benefit of SKEW_MS to the system (events.ts).
 */
import { createHash } from 'node:crypto';
import type { Car } from '../../../src/types.js';
import { carOf, covered, SKEW_MS, visitKey, type Life } from './events.js';
import { sameCar, type Op, type Window } from './history.js';

/** One violation of rules (a)-(c) found in the events. */
export interface VisitViolation {
  kind:
    'entry-undone' | 'exit-undone' | 'applied-twice' | 'ack-without-effect' | 'refusal-with-effect' | 'shared-ack' | 'dishonest-not-inside';
  plate: string;
  message: string;
  ops: Op[];
}

/** One `car:entered` / `car:left` a node reported. */
export interface CarEvent {
  node: string;
  type: 'car:entered' | 'car:left';
  car: Car & { req?: string };
  t: number;
  local: boolean;
  /** A local change's decision time on the deciding node's wall clock (`decidedAt`), when sent. */
  decidedAt?: number;
}

/** The request tag of a request id, as visit-codec.ts stores it, in hex. */
export function requestTagHex(id: string): string {
  return createHash('sha256').update(id).digest().subarray(0, 8).toString('hex');
}

/** Every car event of every life, by plate, in time order. */
export function carEvents(allLives: Life[]): Map<string, CarEvent[]> {
  const byPlate = new Map<string, CarEvent[]>();
  for (const life of allLives) {
    for (const e of life.events) {
      if (e.type !== 'car:entered' && e.type !== 'car:left') continue;
      const car = carOf(e);
      if (car === undefined) continue;
      const list = byPlate.get(car.plate) ?? [];
      const decidedAt = typeof e.data.decidedAt === 'number' ? { decidedAt: e.data.decidedAt } : {};
      list.push({ node: life.node, type: e.type, car, t: e.t, local: e.data.local === true, ...decidedAt });
      byPlate.set(car.plate, list);
    }
  }
  for (const list of byPlate.values()) list.sort((a, b) => a.t - b.t);
  return byPlate;
}

function inWindow(start: number, end: number, windows: Window[]): boolean {
  return windows.some((w) => start <= w.end && end >= w.start);
}

/** True when exit `x` may remove the visit of entry `v` (it had not completed before `v` began). */
function mayRemove(v: Op, x: Op): boolean {
  return v.invoke < (x.type === 'info' ? Number.POSITIVE_INFINITY : x.complete);
}

/** Augmenting-path matching of visits to the entry commands that may have made them. */
function unmatched<V>(visits: V[], candidates: Map<V, Op[]>): V[] {
  const owner = new Map<Op, V>();
  const assign = (v: V, seen: Set<Op>): boolean => {
    for (const op of candidates.get(v) ?? []) {
      if (seen.has(op)) continue;
      seen.add(op);
      const other = owner.get(op);
      if (other === undefined || assign(other, seen)) {
        owner.set(op, v);
        return true;
      }
    }
    return false;
  };
  return visits.filter((v) => !assign(v, new Set()));
}

/**
 * Checks rules (a)-(c) on the events of `allLives` against `history`. `splits` are the network
 * faults (from their start to convergence), during which sides legitimately miss each other's writes.
 */
export function checkVisits(history: Op[], allLives: Life[], splits: Window[]): VisitViolation[] {
  const events = carEvents(allLives);
  const violations: VisitViolation[] = [];
  const opsOf = new Map<string, Op[]>();
  for (const op of history) opsOf.set(op.plate, [...(opsOf.get(op.plate) ?? []), op]);
  const add = (kind: VisitViolation['kind'], plate: string, message: string) =>
    violations.push({ kind, plate, message, ops: opsOf.get(plate) ?? [] });
  const lifeOf = (node: string, t: number) => allLives.find((l) => l.node === node && l.start - SKEW_MS <= t && l.end >= t);
  const everyLiveCovered = (from: number, to: number) =>
    allLives.filter((l) => l.start < to && l.end > from).every((l) => covered(l, Math.max(from, l.start), Math.min(to, l.end)));

  for (const [plate, ops] of opsOf) {
    const list = events.get(plate) ?? [];
    const entries = ops.filter((o) => o.op === 'entry');
    const exits = ops.filter((o) => o.op === 'exit' && o.type !== 'fail');

    const withEffect = new Set<Op>();
    // Per node, its events of this plate; per visit, where each node first showed it entering.
    const byNode = new Map<string, CarEvent[]>();
    for (const e of list) byNode.set(e.node, [...(byNode.get(e.node) ?? []), e]);
    const firstIn = new Map<string, Map<string, number>>();
    for (const [node, mine] of byNode)
      mine.forEach((e, i) => {
        if (e.type !== 'car:entered') return;
        const at = firstIn.get(visitKey(e.car)) ?? new Map<string, number>();
        if (!at.has(node)) at.set(node, i);
        firstIn.set(visitKey(e.car), at);
      });
    // (a) a plate seen leaving with an acknowledged visit no invoked exit may remove; (c) when an
    // exit refused with ERR_NOT_INSIDE was under way then, that refusal had an effect. The first
    // time each node showed the plate leaving after showing the visit decides: an exit that
    // explains it explains every later one too.
    for (const v of entries) {
      if (v.type !== 'ok' || v.car === undefined) continue;
      const gone: CarEvent[] = [];
      for (const [node, i] of firstIn.get(visitKey(v.car)) ?? []) {
        const left = byNode.get(node)!.find((e, j) => j > i && e.type === 'car:left');
        if (left !== undefined && !exits.some((x) => x.invoke <= left.t + SKEW_MS && mayRemove(v, x))) gone.push(left);
      }
      gone.sort((a, b) => a.t - b.t);
      const first = gone[0];
      if (first === undefined) continue;
      const nodes = [...new Set(gone.map((e) => e.node))].join(',');
      const refused = ops.find(
        (x) => x.op === 'exit' && x.type === 'fail' && x.invoke <= first.t + SKEW_MS && x.complete >= first.t - SKEW_MS,
      );
      if (refused !== undefined) {
        withEffect.add(refused);
        add(
          'refusal-with-effect',
          plate,
          `exit ${refused.id} was refused ${refused.code ?? ''}, but ${plate} left meanwhile (the visit of entry ${v.id}, on ${nodes}) and no other exit may have removed it`,
        );
      } else
        add('entry-undone', plate, `${nodes} showed ${plate} leaving, but entry ${v.id} was acknowledged and no exit may have removed it`);
    }
    // (a) a visit an acknowledged exit returned, shown inside, out, and inside again on one node.
    for (const x of exits) {
      if (x.type !== 'ok' || x.car === undefined) continue;
      for (const [node, mine] of byNode) {
        const first = mine.findIndex((e) => e.type === 'car:entered' && sameCar(e.car, x.car));
        const out = first < 0 ? -1 : mine.findIndex((e, i) => i > first && e.type === 'car:left');
        const again = out < 0 ? undefined : mine.find((e, i) => i > out && e.type === 'car:entered' && sameCar(e.car, x.car));
        if (again !== undefined) add('exit-undone', plate, `the visit exit ${x.id} removed came back on ${node}`);
      }
    }

    // (b) at most once.
    const seen = new Map<string, CarEvent>();
    for (const e of list) if (e.type === 'car:entered' && !seen.has(visitKey(e.car))) seen.set(visitKey(e.car), e);
    const visits = [...seen.values()];
    const tagged = visits.filter((e) => typeof e.car.req === 'string');
    if (tagged.length > 0) {
      const byTag = new Map<string, CarEvent[]>();
      for (const e of tagged) byTag.set(e.car.req!, [...(byTag.get(e.car.req!) ?? []), e]);
      for (const [tag, same] of byTag) {
        const op = entries.find((o) => requestTagHex(o.id) === tag);
        if (op === undefined) {
          add('applied-twice', plate, `visits ${same.map((e) => visitKey(e.car)).join(', ')} carry the tag ${tag} of no entry command`);
          continue;
        }
        // Visits of one tag are attempts of one command (an owner that applied it and stalled, and
        // the owner of the retry): the lot shows them as one car. Applied twice is a car of that
        // command shown inside again, on any node, after that node showed it leave.
        for (const [node, mine] of byNode) {
          const outAt = mine.findIndex((e) => e.type === 'car:left' && e.car.req === tag);
          const back = outAt < 0 ? undefined : mine.find((e, i) => i > outAt && e.type === 'car:entered' && e.car.req === tag);
          if (back !== undefined)
            add('applied-twice', plate, `request ${op.id} came back on ${node} after its car left: ${visitKey(back.car)}`);
        }
      }
    } else {
      const candidates = new Map<CarEvent, Op[]>();
      for (const e of visits) {
        const exact = entries.filter((o) => o.type === 'ok' && sameCar(o.car, e.car));
        const made = Math.min(e.t, e.car.enteredAt);
        candidates.set(
          e,
          exact.length > 0 ? exact : entries.filter((o) => o.type === 'info' && o.gate === e.car.gate && o.invoke <= made + SKEW_MS),
        );
      }
      const left = unmatched(visits, candidates);
      // A visit made while a refused entry of the plate was under way: its first attempt applied it.
      const refusedOf = (e: CarEvent) => {
        const made = Math.min(e.t, e.car.enteredAt);
        return entries.find(
          (o) => o.type === 'fail' && o.gate === e.car.gate && o.invoke <= made + SKEW_MS && o.complete >= made - SKEW_MS,
        );
      };
      for (const e of left) {
        const refused = refusedOf(e);
        if (refused !== undefined)
          add(
            'refusal-with-effect',
            plate,
            `entry ${refused.id} was refused ${refused.code ?? ''}, but its visit ${visitKey(e.car)} was made meanwhile (and no other entry explains it)`,
          );
      }
      const twice = left.filter((e) => refusedOf(e) === undefined);
      if (twice.length > 0)
        add(
          'applied-twice',
          plate,
          `${twice.length} visit(s) no entry command is left to explain: ${twice.map((e) => visitKey(e.car)).join(', ')}`,
        );
    }

    // (c) 200/201 means the change is in the lot.
    for (const op of ops) {
      if (op.type !== 'ok' || op.car === undefined) continue;
      if (op.op === 'entry') {
        const decider = lifeOf(op.car.node, op.complete);
        const last = list.filter((e) => e.node === op.car!.node && e.t <= op.complete + SKEW_MS && e.t >= op.invoke - SKEW_MS).pop();
        const removable = exits.some((x) => x.invoke <= op.complete + SKEW_MS && mayRemove(op, x));
        if (decider !== undefined && covered(decider, op.invoke, op.complete) && last?.type === 'car:left' && !removable)
          add('ack-without-effect', plate, `entry ${op.id} was answered 201, but ${op.car.node} showed ${plate} out at the answer`);
      } else if (
        everyLiveCovered(op.invoke, op.complete) &&
        !ops.some((o) => o !== op && o.op === 'exit' && o.type === 'ok' && sameCar(o.car, op.car))
      ) {
        // (Two exits acknowledged with one visit are judged by shared-ack, which knows partitions.)
        const during = (t: number | undefined) => t !== undefined && t >= op.invoke - SKEW_MS && t <= op.complete + SKEW_MS;
        const removed = list.some((e) => e.type === 'car:left' && e.local && (during(e.t) || during(e.decidedAt)));
        if (!removed) add('ack-without-effect', plate, `exit ${op.id} was answered 200, but no node removed ${plate} meanwhile`);
      }
    }
    const okEntries = ops.filter((o) => o.op === 'entry' && o.type === 'ok' && o.car !== undefined);
    for (let i = 0; i < okEntries.length; i++)
      for (const other of okEntries.slice(i + 1))
        if (sameCar(okEntries[i]!.car, other.car))
          add('shared-ack', plate, `entries ${okEntries[i]!.id} and ${other.id} were both acknowledged with one visit`);
    const okExits = exits.filter((o) => o.type === 'ok' && o.car !== undefined);
    for (const a of okExits)
      for (const b of okExits)
        if (a !== b && sameCar(a.car, b.car) && b.invoke > a.complete + SKEW_MS && !inWindow(a.invoke, b.complete, splits))
          add('shared-ack', plate, `exit ${b.id} was acknowledged with the visit exit ${a.id} had removed before it was invoked`);
    // (c) ERR_NOT_INSIDE on a state that must include an acknowledged entry.
    for (const x of ops) {
      if (x.op !== 'exit' || x.type !== 'fail' || x.code !== 'ERR_NOT_INSIDE' || withEffect.has(x)) continue;
      const inside = okEntries.find(
        (v) =>
          v.complete + SKEW_MS < x.invoke &&
          !inWindow(v.invoke, x.complete, splits) &&
          !exits.some((o) => o !== x && o.invoke < x.complete && mayRemove(v, o)),
      );
      if (inside !== undefined)
        add(
          'dishonest-not-inside',
          plate,
          `exit ${x.id} was refused ERR_NOT_INSIDE, but entry ${inside.id} was acknowledged before it and no exit may have removed it`,
        );
    }
  }
  return violations;
}
