/**
 * What the nodes said about themselves: every node's `GET /events` stream as the lab's agent recorded
 * it (client/agent.mjs `record`), cut into the lives of the node processes the harness started and
 * stopped. A life is one process (one incarnation) at one url, from its start to its exit; a node
 * restarted at the same url has a second life. Loading is the only I/O here.
 *
 * Times. A node stamps each event with `at` = `preciseNow()` (src/clock.ts), the agent stamps what it
 * receives with the same clock, the load clients stamp invoke and completion with it, and the harness
 * uses `Date.now()`. On one machine these are one clock read through different origins: the origin
 * of `performance.now()` measured at a tick of the wall clock, then a monotonic clock.
 * (`performance.timeOrigin` is not used: it is sampled at start-up, and a node descheduled then was
 * seen 8-10 ms off.) Two processes disagree by the wall clock's adjustment between their starts
 * (nothing without NTP, at most 0.5 ms per second of age with a slewing NTP) and by `Date.now()`'s
 * millisecond truncation. {@link SKEW_MS} bounds that; every comparison of times from
 * two processes that decides a violation gives the benefit of it to the system under test.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Car, ClusterView, NodeStatus } from '../../../src/types.js';

/** Tolerance when comparing times stamped by two processes of this machine (see above). */
export const SKEW_MS = 5;

/** One line of the recording. */
export interface EventLine {
  url: string;
  /** A node event name (`gate:started`, `car:left`, ...), or `stream:open|closed|garbled`, `snapshot`. */
  type: string;
  /** The event's payload as the node sent it; node events carry `at`. */
  data?: Record<string, unknown>;
  /** For a snapshot: the node's /status and /cluster right after subscribing (absent when starting). */
  status?: NodeStatus;
  cluster?: ClusterView;
  /** When the agent received the line. */
  rx: number;
}

/** What the harness did to a node process, and when (`Date.now()`). */
export interface Mark {
  t: number;
  kind: 'start' | 'exit' | 'pause' | 'resume';
  /** The node's name (its lab host's name). */
  node: string;
  url: string;
}

/** A node event of one life, with its time (`at` for node events, `rx` for the agent's own lines). */
export interface LifeEvent {
  type: string;
  t: number;
  data: Record<string, unknown>;
  status?: NodeStatus;
  cluster?: ClusterView;
}

/** One node process, from its start to its exit, with what its stream said. */
export interface Life {
  node: string;
  url: string;
  start: number;
  /** Exit time; +Infinity while it runs at the end of the record. */
  end: number;
  /** Its stream's events in time order (node events by `at`, stream lines and snapshots by `rx`). */
  events: LifeEvent[];
  /** Periods when the process was stopped (SIGSTOP to SIGCONT). */
  pauses: { start: number; end: number }[];
  /** Periods when its stream was open (events outside them were not seen). */
  coverage: { start: number; end: number }[];
}

/** Reads the agent's recording (missing file: nothing recorded). */
export function loadEvents(file: string): EventLine[] {
  if (!existsSync(file)) return [];
  const lines: EventLine[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      lines.push(JSON.parse(line) as EventLine);
    } catch {
      // a line cut by the agent's end
    }
  }
  return lines;
}

function timeOf(line: EventLine): number {
  const at = line.data?.at;
  return typeof at === 'number' ? at : line.rx;
}

/**
 * Cuts the recording into lives: each `start` mark of a url opens one, its next `exit` closes it.
 * An event belongs to the life of its url whose [start, end] holds its time (node events are
 * stamped by the node, so one delivered after its process died still lands in its own life).
 */
export function lives(lines: EventLine[], marks: Mark[]): Life[] {
  const sorted = [...marks].sort((a, b) => a.t - b.t);
  const result: Life[] = [];
  for (const m of sorted) {
    if (m.kind === 'start') {
      result.push({ node: m.node, url: m.url, start: m.t, end: Number.POSITIVE_INFINITY, events: [], pauses: [], coverage: [] });
      continue;
    }
    const life = [...result].reverse().find((l) => l.url === m.url && l.end === Number.POSITIVE_INFINITY);
    if (life === undefined) continue;
    if (m.kind === 'exit') {
      life.end = m.t;
      for (const p of life.pauses) if (p.end === Number.POSITIVE_INFINITY) p.end = m.t;
    } else if (m.kind === 'pause') life.pauses.push({ start: m.t, end: Number.POSITIVE_INFINITY });
    else {
      const open = life.pauses.find((p) => p.end === Number.POSITIVE_INFINITY);
      if (open !== undefined) open.end = m.t;
    }
  }
  // A node process starts some ms before the harness's start mark is taken (the mark is taken when
  // it is spawned, so before); the first life of a url also takes what came before its mark.
  const lifeAt = (url: string, t: number): Life | undefined => {
    const own = result.filter((l) => l.url === url);
    return (
      own.find((l) => t >= l.start - SKEW_MS && t <= l.end + SKEW_MS) ?? (own[0] !== undefined && t < own[0].start ? own[0] : undefined)
    );
  };
  const openStream = new Map<string, { life: Life; start: number }>();
  for (const line of [...lines].sort((a, b) => timeOf(a) - timeOf(b))) {
    const t = timeOf(line);
    const life = lifeAt(line.url, t);
    if (line.type === 'stream:open' && life !== undefined) openStream.set(line.url, { life, start: t });
    if (line.type === 'stream:closed') {
      const open = openStream.get(line.url);
      if (open !== undefined) open.life.coverage.push({ start: open.start, end: Math.min(t, open.life.end) });
      openStream.delete(line.url);
      continue;
    }
    if (life === undefined) continue;
    const event: LifeEvent = { type: line.type, t, data: line.data ?? {} };
    if (line.status !== undefined) event.status = line.status;
    if (line.cluster !== undefined) event.cluster = line.cluster;
    life.events.push(event);
  }
  for (const { life, start } of openStream.values()) life.coverage.push({ start, end: life.end });
  return result;
}

/** True when the life's stream was open over all of [from, to]. */
export function covered(life: Life, from: number, to: number): boolean {
  return life.coverage.some((c) => c.start <= from && c.end >= to);
}

/** The car of a car:entered / car:left event. */
export function carOf(e: LifeEvent): (Car & { req?: string }) | undefined {
  const car = e.data.car as (Car & { req?: string }) | undefined;
  return car !== undefined && typeof car.plate === 'string' ? car : undefined;
}

/** A visit's identity: plate, gate, node and entry time (what `sameCar` compares). */
export function visitKey(c: Car): string {
  return `${c.plate}|${c.gate}|${c.node}|${c.enteredAt}`;
}
