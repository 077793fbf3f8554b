/**
 * Rule (d) of issue 10: while the cluster is connected, a gate has at most one running owner at
 * every moment, including during a join, a graceful handoff and a resume from a pause. Learned from
 * the nodes' own events (events.ts), pure.
 *
 * Running. A life runs gate g from its `gate:started {gate}` to its `gate:stopped {gate}` (the worker
 * decides for g in between: docs/http-api.md), or until its process exits. A build that emits no
 * `gate:started` anywhere in the record is read through `gate:moved`: a move to the node itself
 * starts the gate there, a move away stops it. A gate a life's first snapshot lists as running
 * (`/status` gatesOwned) without a `gate:started` seen since its stream opened ran from then: the
 * stream missed its start, and the check begins where the record does.
 *
 * A paused life. A process stopped by SIGSTOP decides nothing; what matters is what it does once
 * resumed. Its run of g open at the pause is taken to end at the pause when, after the SIGCONT, its
 * first event about g is `gate:stopped` (or a move away) and it recorded no decision of its own
 * (`car:entered` / `car:left` with `local: true`) in between; otherwise its run goes on through the
 * pause and any overlap after the resume is a violation.
 *
 * Connected. The cluster is connected at time t unless t falls in a disconnection:
 * - a network fault (partition, cut, one-way loss, packet loss, bandwidth limit): from its start to
 *   the first moment after its physical end (the heal) at which every running life's member view,
 *   replayed from its snapshot and `member:*` events, has every other running life alive; after a
 *   heal, sides that could not see each other may each still run a gate until they meet again;
 * - a pause: from the SIGSTOP to the SIGCONT.
 * A crash, a kill, a graceful leave and a join do not disconnect the survivors: a dead process runs
 * nothing, and a joining one must not run a gate before it is placed there by a view that includes
 * the peers.
 */
import type { MemberStatus } from '../../../src/types.js';
import { SKEW_MS, type Life, type LifeEvent } from './events.js';

/** A period of time. */
export interface Period {
  start: number;
  end: number;
}

/** A fault the harness recorded: a network fault (`split`) or a pause, from start to physical end. */
export interface Disconnection extends Period {
  kind: 'split' | 'pause';
  what: string;
}

/** One run of a gate on one life. */
export interface Run extends Period {
  gate: number;
  node: string;
  /** How it started: an event, or the life's first snapshot. */
  from: 'event' | 'snapshot';
}

/** Two lives running one gate at once while connected. */
export interface DoubleOwner {
  gate: number;
  nodes: [string, string];
  start: number;
  end: number;
  runs: [Run, Run];
}

function gateOf(e: LifeEvent): number | undefined {
  const g = e.data.gate;
  return typeof g === 'number' ? g : undefined;
}

function isLocalDecision(e: LifeEvent): boolean {
  return (e.type === 'car:entered' || e.type === 'car:left') && e.data.local === true;
}

/** When a local decision was made: `decidedAt` (nodes since issue 10), else when its event came. */
function decidedAt(e: LifeEvent): number {
  const at = e.data.decidedAt;
  return typeof at === 'number' ? at : e.t;
}

/** The runs of every gate on one life. `byStarted`: read gate:started/stopped (else gate:moved). */
export function runsOf(life: Life, byStarted: boolean): Run[] {
  const runs: Run[] = [];
  const open = new Map<number, Run>();
  const begin = (gate: number, t: number, from: Run['from']) => {
    if (!open.has(gate)) open.set(gate, { gate, node: life.node, start: t, end: Number.POSITIVE_INFINITY, from });
  };
  const finish = (gate: number, t: number) => {
    const run = open.get(gate);
    if (run === undefined) return;
    run.end = Math.max(run.start, t);
    runs.push(run);
    open.delete(gate);
  };
  const events = life.events;
  let streamOpenAt: number | undefined;
  let startedSinceOpen = new Set<number>();
  for (const e of events) {
    const gate = gateOf(e);
    if (e.type === 'snapshot') {
      // Gates running at the snapshot with no start seen since the stream opened ran before it.
      for (const g of e.status?.gatesOwned ?? [])
        if (!open.has(g) && !startedSinceOpen.has(g)) begin(g, Math.max(life.start, streamOpenAt ?? e.t), 'snapshot');
      streamOpenAt = undefined;
      startedSinceOpen = new Set();
      continue;
    }
    if (e.type === 'stream:open') {
      streamOpenAt = e.t;
      continue;
    }
    if (gate === undefined) continue;
    if (byStarted) {
      if (e.type === 'gate:started') {
        begin(gate, e.t, 'event');
        startedSinceOpen.add(gate);
      } else if (e.type === 'gate:stopped') finish(gate, e.t);
    } else if (e.type === 'gate:moved') {
      if (e.data.to === life.node) {
        begin(gate, e.t, 'event');
        startedSinceOpen.add(gate);
      } else if (e.data.from === life.node) finish(gate, e.t);
    }
  }
  for (const gate of [...open.keys()]) finish(gate, life.end);
  // A run open at a pause ends there if, once resumed, the life gave the gate up before deciding anything.
  for (const pause of life.pauses) {
    for (const run of runs) {
      if (!(run.start < pause.start && run.end > pause.end)) continue;
      const after = events.filter((e) => e.t >= pause.end);
      const firstAboutGate = after.find(
        (e) => gateOf(e) === run.gate && (byStarted ? e.type === 'gate:started' || e.type === 'gate:stopped' : e.type === 'gate:moved'),
      );
      const releasedFirst =
        firstAboutGate !== undefined && (byStarted ? firstAboutGate.type === 'gate:stopped' : firstAboutGate.data.from === life.node);
      if (!releasedFirst) continue;
      // A decision counts from its own time: one made before the SIGSTOP whose event came out after
      // the SIGCONT (the process stopped mid-transaction) was made by the owner it then was.
      if (after.some((e) => e.t <= firstAboutGate.t && isLocalDecision(e) && decidedAt(e) >= pause.start)) continue;
      run.end = pause.start;
    }
  }
  return runs.sort((a, b) => a.start - b.start);
}

function isMemberEvent(e: LifeEvent): boolean {
  return e.type === 'snapshot' || e.type.startsWith('member:');
}

/** A life's member view (name -> status) at time t, from its snapshots and member events. */
function viewAt(memberEvents: LifeEvent[], t: number): Map<string, MemberStatus> {
  const view = new Map<string, MemberStatus>();
  for (const e of memberEvents) {
    if (e.t > t) break;
    if (e.type === 'snapshot') for (const m of e.cluster?.members ?? []) view.set(m.name, m.status);
    else if (e.type.startsWith('member:')) {
      const name = e.data.name;
      if (typeof name !== 'string') continue;
      const status =
        e.type === 'member:up' ? 'alive' : e.type === 'member:suspect' ? 'suspect' : e.type === 'member:down' ? 'dead' : 'left';
      view.set(name, status);
    }
  }
  return view;
}

/**
 * The first time at or after `from` at which every life running then sees every other one alive
 * (its own events), or +Infinity when that never happens in the record.
 */
export function reconnectedAt(allLives: Life[], from: number): number {
  const memberEvents = new Map(allLives.map((l) => [l, l.events.filter(isMemberEvent)]));
  const changes = allLives.flatMap((l) => [l.start, l.end, ...memberEvents.get(l)!.map((e) => e.t)]);
  const candidates = [...new Set([from, ...changes.filter((t) => t >= from && Number.isFinite(t))])].sort((a, b) => a - b);
  for (const t of candidates) {
    const running = allLives.filter((l) => l.start <= t && l.end > t);
    const ok = running.every((l) => {
      const view = viewAt(memberEvents.get(l)!, t);
      return running.every((o) => o.node === l.node || view.get(o.node) === 'alive');
    });
    if (ok) return t;
  }
  return Number.POSITIVE_INFINITY;
}

/** The periods in which the cluster is not connected (see the module comment). */
export function disconnectedPeriods(allLives: Life[], faults: Disconnection[]): Period[] {
  return faults.map((f) => ({ start: f.start, end: f.kind === 'pause' ? f.end : reconnectedAt(allLives, f.end) }));
}

/** Parts of [start, end] outside every period of `holes`. */
function subtract(start: number, end: number, holes: Period[]): Period[] {
  let parts: Period[] = [{ start, end }];
  for (const h of holes) {
    parts = parts.flatMap((p) => {
      if (h.end <= p.start || h.start >= p.end) return [p];
      const out: Period[] = [];
      if (h.start > p.start) out.push({ start: p.start, end: h.start });
      if (h.end < p.end) out.push({ start: h.end, end: p.end });
      return out;
    });
  }
  return parts;
}

/**
 * Every moment two lives ran one gate while the cluster was connected. Overlaps shorter than
 * {@link SKEW_MS} are within the clocks' disagreement and not reported.
 */
export function checkSingleOwner(allLives: Life[], faults: Disconnection[], gates: number): DoubleOwner[] {
  const byStarted = allLives.some((l) => l.events.some((e) => e.type === 'gate:started' || e.type === 'gate:stopped'));
  const runs = allLives.flatMap((l) => runsOf(l, byStarted));
  const holes = disconnectedPeriods(allLives, faults);
  const found: DoubleOwner[] = [];
  for (let gate = 1; gate <= gates; gate++) {
    const mine = runs.filter((r) => r.gate === gate);
    for (let i = 0; i < mine.length; i++) {
      for (let j = i + 1; j < mine.length; j++) {
        const a = mine[i]!;
        const b = mine[j]!;
        if (a.node === b.node) continue;
        const start = Math.max(a.start, b.start);
        const end = Math.min(a.end, b.end);
        if (end - start <= SKEW_MS) continue;
        for (const part of subtract(start, end, holes)) {
          if (part.end - part.start <= SKEW_MS) continue;
          found.push({ gate, nodes: [a.node, b.node], start: part.start, end: part.end, runs: [a, b] });
        }
      }
    }
  }
  return found.sort((x, y) => x.start - y.start);
}
