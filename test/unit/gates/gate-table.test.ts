/**
 * The gate table, driven through `update` with whole views (as the rebalancer does): each test is one
 * rule of where gates go and what is announced.
 */
import { describe, expect, it } from 'vitest';
import { GateTable, type GateMove } from '../../../src/gates/gate-table.js';
import { chooseNode } from '../../../src/gates/placement.js';
import { FakeClock } from '../../support/fake-clock.js';

function setup(gates = 16) {
  const clock = new FakeClock();
  const table = new GateTable({ gates, clock });
  const moves: GateMove[] = [];
  table.on('gate:moved', (m) => moves.push(m));
  return { clock, table, moves };
}

const owners = (table: GateTable) => table.view().map((g) => g.node);

describe('GateTable', () => {
  it('GateTable_new_EveryGateHasNoOwner', () => {
    const { table } = setup(4);
    expect(owners(table)).toEqual([null, null, null, null]);
    expect(table.owner(1)).toBeNull();
  });

  it('GateTable_update_EachGateGoesToItsRendezvousWinner', () => {
    const { table } = setup();
    table.update(['a', 'b', 'c']);
    for (let gate = 1; gate <= 16; gate++) expect(table.owner(gate)).toBe(chooseNode(gate, ['a', 'b', 'c']));
    expect(new Set(owners(table)).size).toBe(3);
  });

  it('GateTable_update_EmitsGateMovedOncePerChangedGate_WithFromAndTo', () => {
    const { table, moves } = setup(4);
    table.update(['a']);
    expect(moves).toEqual([1, 2, 3, 4].map((gate) => ({ gate, from: null, to: 'a' })));
  });

  it('GateTable_update_SameViewTwice_MovesNothing', () => {
    const { table, moves } = setup();
    table.update(['a', 'b']);
    moves.length = 0;
    expect(table.update(['b', 'a'])).toEqual([]);
    expect(moves).toEqual([]);
  });

  it('GateTable_update_MovesOnlyTheGatesOfTheDeadNode', () => {
    const { table, moves } = setup();
    table.update(['a', 'b', 'c']);
    const before = owners(table);
    moves.length = 0;
    table.update(['a', 'b']);
    expect(moves.length).toBe(before.filter((o) => o === 'c').length);
    for (const move of moves) expect(move.from).toBe('c');
    before.forEach((owner, i) => {
      if (owner !== 'c') expect(table.owner(i + 1)).toBe(owner);
    });
  });

  it('GateTable_update_ANewcomerTakesOnlyGatesItNowWins', () => {
    const { table, moves } = setup();
    table.update(['a', 'b']);
    moves.length = 0;
    table.update(['a', 'b', 'c']);
    for (const move of moves) expect(move.to).toBe('c');
    expect(moves.length).toBe(owners(table).filter((o) => o === 'c').length);
  });

  it('GateTable_update_AGateMovedListenerSeesTheWholeNewTable', () => {
    const { table } = setup();
    table.update(['a', 'b', 'c']);
    const seen: Array<Array<string | null>> = [];
    table.on('gate:moved', () => seen.push(owners(table)));
    table.update(['a', 'b']);
    expect(seen.length).toBeGreaterThan(0);
    for (const snapshot of seen) expect(snapshot).toEqual(owners(table));
    expect(owners(table)).not.toContain('c');
  });

  it('GateTable_update_ReturnsTheMovesItAnnounces', () => {
    const { table, moves } = setup();
    table.update(['a', 'b']);
    moves.length = 0;
    expect(table.update(['b', 'c'])).toEqual(moves);
  });

  it('GateTable_update_EmptyView_EveryGateHasNoOwner', () => {
    const { table } = setup(4);
    table.update(['a']);
    table.update([]);
    expect(owners(table)).toEqual([null, null, null, null]);
  });

  it('GateTable_since_IsWhenThisNodeGaveTheGateItsOwner', async () => {
    const { table, clock } = setup(4);
    table.update(['a']);
    const first = table.view()[0]!.since;
    await clock.advance(1000);
    table.update(['a', 'zz']);
    for (const g of table.view()) expect(g.since).toBe(g.node === 'a' ? first : first + 1000);
  });

  it('GateTable_ownedBy_AgreesWithOwner', () => {
    const { table } = setup();
    table.update(['a', 'b', 'c']);
    for (const name of ['a', 'b', 'c']) for (const gate of table.ownedBy(name)) expect(table.owner(gate)).toBe(name);
    expect(table.ownedBy('a').length + table.ownedBy('b').length + table.ownedBy('c').length).toBe(16);
  });
});
