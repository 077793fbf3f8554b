/**
 * The single-owner rule on hand-written lives: runs learned from gate events, the cluster connected
 * or not, a pause and its resume, a join, a crash.
 */
import { describe, expect, test } from 'vitest';
import { lives, type EventLine, type Mark } from '../checker/events.js';
import { checkSingleOwner, reconnectedAt, runsOf, type Disconnection } from '../checker/ownership.js';
import { checkStallJudgements } from '../checker/stall.js';

const url = (node: string) => `http://${node}:4000`;
const start = (node: string, t = 0): Mark => ({ t, kind: 'start', node, url: url(node) });
const mark = (kind: Mark['kind'], node: string, t: number): Mark => ({ t, kind, node, url: url(node) });
const ev = (node: string, type: string, at: number, data: Record<string, unknown> = {}): EventLine => ({
  url: url(node),
  type,
  data: { ...data, at },
  rx: at + 1,
});
const open = (node: string, t: number): EventLine[] => [
  { url: url(node), type: 'stream:open', rx: t },
  { url: url(node), type: 'snapshot', rx: t + 1, status: { gatesOwned: [] } as never, cluster: { self: node, members: [], gates: [] } },
];
const started = (node: string, gate: number, at: number) => ev(node, 'gate:started', at, { gate, node });
const stopped = (node: string, gate: number, at: number) => ev(node, 'gate:stopped', at, { gate, node });
const up = (node: string, peer: string, at: number) => ev(node, 'member:up', at, { name: peer, status: 'alive' });
const down = (node: string, peer: string, at: number, reason = 'heartbeat timeout') =>
  ev(node, 'member:down', at, { name: peer, status: 'dead', reason });

function check(lines: EventLine[], marks: Mark[], faults: Disconnection[] = []) {
  return checkSingleOwner(lives(lines, marks), faults, 1);
}

describe('runs of a gate', () => {
  test('a run lasts from gate:started to gate:stopped, or to the process exit', () => {
    const [a] = lives(
      [...open('a', 1), started('a', 1, 10), stopped('a', 1, 20), started('a', 1, 30)],
      [start('a'), mark('exit', 'a', 50)],
    );
    expect(runsOf(a!, true).map((r) => [r.start, r.end])).toEqual([
      [10, 20],
      [30, 50],
    ]);
  });

  test('a gate the first snapshot lists without a start seen ran from the stream opening', () => {
    const lines: EventLine[] = [
      { url: url('a'), type: 'stream:open', rx: 100 },
      { url: url('a'), type: 'snapshot', rx: 105, status: { gatesOwned: [1] } as never },
    ];
    const [a] = lives(lines, [start('a')]);
    expect(runsOf(a!, true)).toMatchObject([{ gate: 1, start: 100, end: Number.POSITIVE_INFINITY, from: 'snapshot' }]);
  });

  test('without any gate:started in the record, gate:moved to and from the node is read instead', () => {
    const [a] = lives(
      [ev('a', 'gate:moved', 10, { gate: 1, from: null, to: 'a' }), ev('a', 'gate:moved', 20, { gate: 1, from: 'a', to: 'b' })],
      [start('a')],
    );
    expect(runsOf(a!, false).map((r) => [r.start, r.end])).toEqual([[10, 20]]);
  });
});

describe('at most one running owner while connected', () => {
  test('a graceful handoff (stop, then start elsewhere) is one owner at a time', () => {
    const lines = [started('a', 1, 10), stopped('a', 1, 50), started('b', 1, 52)];
    expect(check(lines, [start('a'), start('b')])).toEqual([]);
  });

  test('a new owner starting before the old one stopped is two owners', () => {
    const lines = [started('a', 1, 10), started('b', 1, 40), stopped('a', 1, 50)];
    expect(check(lines, [start('a'), start('b')])).toMatchObject([{ gate: 1, nodes: ['a', 'b'], start: 40, end: 50 }]);
  });

  test('overlaps within the clocks disagreement are not reported', () => {
    const lines = [started('a', 1, 10), started('b', 1, 48), stopped('a', 1, 50)];
    expect(check(lines, [start('a'), start('b')])).toEqual([]);
  });

  test('a crashed owner runs nothing after its exit: a takeover after it is one owner', () => {
    const lines = [started('a', 1, 10), started('b', 1, 2000)];
    expect(check(lines, [start('a'), start('b'), mark('exit', 'a', 500)])).toEqual([]);
  });

  test('a joining node that starts a gate its owner still runs is two owners', () => {
    const lines = [started('a', 1, 10), started('c', 1, 1000), stopped('a', 1, 1200)];
    expect(check(lines, [start('a'), start('b'), start('c', 900)])).toMatchObject([{ nodes: ['a', 'c'], start: 1000, end: 1200 }]);
  });

  test('both sides of a partition may run a gate until every node sees every other alive again', () => {
    const lines = [
      ...open('a', 1),
      ...open('b', 1),
      up('a', 'b', 5),
      up('b', 'a', 5),
      started('a', 1, 10),
      down('b', 'a', 900),
      started('b', 1, 1000),
      // healed at 2000; b sees a again at 2100, a never lost b; b stops at 2300
      up('b', 'a', 2100),
      stopped('b', 1, 2300),
    ];
    const faults: Disconnection[] = [{ start: 800, end: 2000, kind: 'split', what: 'partition' }];
    const found = check(lines, [start('a'), start('b')], faults);
    expect(found).toMatchObject([{ start: 2100, end: 2300 }]);
    expect(reconnectedAt(lives(lines, [start('a'), start('b')]), 2000)).toBe(2100);
  });

  test('a paused owner that gives its gate up first thing after the resume ran it until the pause', () => {
    const lines = [started('a', 1, 10), started('b', 1, 3000), stopped('a', 1, 5010)];
    const marks = [start('a'), start('b'), mark('pause', 'a', 1000), mark('resume', 'a', 5000)];
    expect(check(lines, marks, [{ start: 1000, end: 5000, kind: 'pause', what: 'SIGSTOP a' }])).toEqual([]);
  });

  test('a paused owner that decides for anything after the resume, before giving its gate up, is a second owner', () => {
    const lines = [
      started('a', 1, 10),
      started('b', 1, 3000),
      ev('a', 'car:entered', 5005, { car: { plate: 'X', gate: 1, node: 'a', enteredAt: 5005 }, local: true }),
      stopped('a', 1, 5010),
    ];
    const marks = [start('a'), start('b'), mark('pause', 'a', 1000), mark('resume', 'a', 5000)];
    expect(check(lines, marks, [{ start: 1000, end: 5000, kind: 'pause', what: 'SIGSTOP a' }])).toMatchObject([
      { nodes: ['a', 'b'], start: 5000, end: 5010 },
    ]);
  });

  test('a paused owner that keeps its gate after the resume is a second owner from the resume', () => {
    const lines = [started('a', 1, 10), started('b', 1, 3000), stopped('b', 1, 6000)];
    const marks = [start('a'), start('b'), mark('pause', 'a', 1000), mark('resume', 'a', 5000)];
    expect(check(lines, marks, [{ start: 1000, end: 5000, kind: 'pause', what: 'SIGSTOP a' }])).toMatchObject([{ start: 5000, end: 6000 }]);
  });
});

describe('a resumed node judges no peer on its own stall', () => {
  const marks = [start('a'), start('b'), mark('pause', 'a', 1000), mark('resume', 'a', 5000)];
  test('declaring a peer that ran and was reachable throughout dead right after the resume is a violation', () => {
    const found = checkStallJudgements(lives([down('a', 'b', 5050)], marks), [], 1500);
    expect(found).toMatchObject([{ node: 'a', peer: 'b', at: 5050, resumedAt: 5000 }]);
  });

  test('a peer that was itself paused or cut off may be declared dead', () => {
    const withPeerPaused = [...marks, mark('pause', 'b', 4000), mark('resume', 'b', 4500)];
    expect(checkStallJudgements(lives([down('a', 'b', 5050)], withPeerPaused), [], 1500)).toEqual([]);
    const cut: Disconnection[] = [{ start: 4000, end: 6000, kind: 'split', what: 'cut' }];
    expect(checkStallJudgements(lives([down('a', 'b', 5050)], marks), cut, 1500)).toEqual([]);
  });

  test('a link the peer closed on the resumed node (its verdict, read from the socket) is not a judgement', () => {
    expect(checkStallJudgements(lives([down('a', 'b', 5050, 'heartbeat-timeout')], marks), [], 1500)).toEqual([]);
  });
});
