/**
 * Rules never-undone, at-most-once and honest-answers over hand-written events and histories: what
 * the plate events show, and what counts as a violation.
 */
import { describe, expect, test } from 'vitest';
import type { Car } from '../../../src/types.js';
import { lives, type EventLine, type Mark } from '../checker/events.js';
import type { Op } from '../checker/history.js';
import { checkVisits, requestTagHex } from '../checker/visits.js';

const url = (node: string) => `http://${node}:4000`;
const marks: Mark[] = ['n1', 'n2'].map((node) => ({ t: 0, kind: 'start', node, url: url(node) }));
const open = (node: string): EventLine[] => [
  { url: url(node), type: 'stream:open', rx: 0 },
  { url: url(node), type: 'snapshot', rx: 1, status: { gatesOwned: [] } as never },
];
const car = (enteredAt: number, node = 'n1', plate = 'A', req?: string): Car & { req?: string } => ({
  plate,
  gate: 1,
  node,
  enteredAt,
  ...(req !== undefined ? { req } : {}),
});
const ev = (node: string, type: 'car:entered' | 'car:left', c: Car, at: number, local = false): EventLine => ({
  url: url(node),
  type,
  data: { car: c, local, at },
  rx: at,
});
let n = 0;
const op = (kind: Op['op'], invoke: number, complete: number, type: Op['type'], extra: Partial<Op> = {}): Op => ({
  id: `op${++n}`,
  client: 'c',
  op: kind,
  plate: 'A',
  gate: 1,
  node: url('n1'),
  invoke,
  complete,
  type,
  ...extra,
});
const kinds = (history: Op[], lines: EventLine[]) =>
  checkVisits(history, lives([...open('n1'), ...open('n2'), ...lines], marks), []).map((v) => v.kind);

describe('a clean history', () => {
  test('an entry then an exit, seen on both nodes, breaks no rule', () => {
    const c = car(100);
    const history = [op('entry', 99, 110, 'ok', { car: c }), op('exit', 200, 210, 'ok', { car: c })];
    const lines = [
      ev('n1', 'car:entered', c, 101, true),
      ev('n2', 'car:entered', c, 102),
      ev('n1', 'car:left', c, 205, true),
      ev('n2', 'car:left', c, 206),
    ];
    expect(kinds(history, lines)).toEqual([]);
  });
});

describe('never undone', () => {
  test('a plate leaving with no exit invoked undoes an acknowledged entry', () => {
    const c = car(100);
    expect(
      kinds(
        [op('entry', 99, 110, 'ok', { car: c })],
        [ev('n1', 'car:entered', c, 101, true), ev('n2', 'car:entered', c, 102), ev('n2', 'car:left', c, 500)],
      ),
    ).toEqual(['entry-undone']);
  });

  test('an indeterminate exit invoked before may remove it', () => {
    const c = car(100);
    const history = [op('exit', 50, 60, 'info'), op('entry', 99, 110, 'ok', { car: c })];
    expect(kinds(history, [ev('n1', 'car:entered', c, 101, true), ev('n1', 'car:left', c, 500)])).toEqual([]);
  });

  test('a visit an acknowledged exit removed, shown inside again, undoes the exit', () => {
    const c = car(100);
    const history = [op('entry', 99, 110, 'ok', { car: c }), op('exit', 200, 210, 'ok', { car: c })];
    const lines = [ev('n2', 'car:entered', c, 102), ev('n2', 'car:left', c, 206), ev('n2', 'car:entered', c, 900)];
    expect(kinds(history, lines)).toContain('exit-undone');
  });
});

describe('at most once', () => {
  test('two visits of one request tag are attempts of one command, shown as one car: not applied twice', () => {
    const tag = requestTagHex('op-x');
    const history = [op('entry', 99, 310, 'ok', { id: 'op-x', car: car(300, 'n2', 'A', tag) })];
    const lines = [
      ev('n1', 'car:entered', car(100, 'n1', 'A', tag), 101, true),
      ev('n2', 'car:entered', car(300, 'n2', 'A', tag), 301, true),
    ];
    expect(kinds(history, lines)).not.toContain('applied-twice');
  });

  test('a car of one request tag shown inside again after it left is that command applied twice', () => {
    const tag = requestTagHex('op-x');
    const history = [
      op('entry', 99, 310, 'ok', { id: 'op-x', car: car(300, 'n2', 'A', tag) }),
      op('exit', 400, 410, 'ok', { car: car(300, 'n2', 'A', tag) }),
    ];
    const lines = [
      ev('n2', 'car:entered', car(300, 'n2', 'A', tag), 301, true),
      ev('n2', 'car:left', car(300, 'n2', 'A', tag), 405, true),
      ev('n2', 'car:entered', car(100, 'n1', 'A', tag), 500, false),
    ];
    expect(kinds(history, lines)).toContain('applied-twice');
  });

  test('a visit whose tag belongs to no entry command was made by nobody', () => {
    const history = [op('entry', 99, 110, 'ok', { id: 'op-x', car: car(100, 'n1', 'A', requestTagHex('op-x')) })];
    const lines = [ev('n2', 'car:entered', car(300, 'n2', 'A', requestTagHex('op-y')), 301, true)];
    expect(kinds(history, lines)).toContain('applied-twice');
  });

  test('without tags, a visit that no entry command is left to explain is applied twice', () => {
    const c = car(100);
    const history = [op('entry', 99, 110, 'ok', { car: c }), op('exit', 200, 210, 'ok', { car: c })];
    const lines = [
      ev('n1', 'car:entered', c, 101, true),
      ev('n1', 'car:left', c, 205, true),
      ev('n2', 'car:entered', car(300, 'n2'), 301, true),
    ];
    expect(kinds(history, lines)).toContain('applied-twice');
  });

  test('an indeterminate entry may explain one visit made after its invoke, not two', () => {
    const history = [op('entry', 90, 5000, 'info')];
    expect(kinds(history, [ev('n1', 'car:entered', car(100), 101, true)])).toEqual([]);
    expect(
      kinds(history, [
        ev('n1', 'car:entered', car(100), 101, true),
        ev('n1', 'car:left', car(100), 200, true),
        ev('n1', 'car:entered', car(300), 301, true),
      ]),
    ).toContain('applied-twice');
  });
});

describe('honest answers', () => {
  test('an exit answered 200 while no node removed the plate had no effect', () => {
    const c = car(100);
    const history = [op('entry', 99, 110, 'ok', { car: c }), op('exit', 200, 210, 'ok', { car: c })];
    expect(kinds(history, [ev('n1', 'car:entered', c, 101, true)])).toContain('ack-without-effect');
  });

  test('a second exit acknowledged with a visit an earlier acknowledged exit removed is a shared ack', () => {
    const c = car(100);
    const history = [
      op('entry', 99, 110, 'ok', { car: c }),
      op('exit', 200, 210, 'ok', { car: c }),
      op('exit', 300, 310, 'ok', { car: c }),
    ];
    const lines = [ev('n1', 'car:entered', c, 101, true), ev('n1', 'car:left', c, 205, true), ev('n2', 'car:left', c, 305, true)];
    expect(kinds(history, lines)).toContain('shared-ack');
  });

  test('ERR_NOT_INSIDE after an acknowledged entry that nothing may have removed is dishonest', () => {
    const c = car(100);
    const history = [op('entry', 99, 110, 'ok', { car: c }), op('exit', 200, 210, 'fail', { code: 'ERR_NOT_INSIDE' })];
    expect(kinds(history, [ev('n1', 'car:entered', c, 101, true)])).toEqual(['dishonest-not-inside']);
  });

  test('ERR_NOT_INSIDE after a concurrent indeterminate exit is honest', () => {
    const c = car(100);
    const history = [
      op('entry', 99, 110, 'ok', { car: c }),
      op('exit', 150, 900, 'info'),
      op('exit', 200, 210, 'fail', { code: 'ERR_NOT_INSIDE' }),
    ];
    expect(kinds(history, [ev('n1', 'car:entered', c, 101, true), ev('n1', 'car:left', c, 160, true)])).toEqual([]);
  });
});

describe('a refusal has no effect', () => {
  test('a plate leaving while only a refused exit was under way is a refusal with an effect', () => {
    const c = car(100);
    const history = [op('entry', 99, 110, 'ok', { car: c }), op('exit', 200, 1700, 'fail', { code: 'ERR_NOT_INSIDE' })];
    const lines = [
      ev('n1', 'car:entered', c, 101, true),
      ev('n2', 'car:entered', c, 102),
      ev('n1', 'car:left', c, 230, true),
      ev('n2', 'car:left', c, 231),
    ];
    expect(kinds(history, lines)).toEqual(['refusal-with-effect']);
  });
});
