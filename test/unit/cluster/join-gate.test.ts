import { describe, expect, it } from 'vitest';
import { JoinGate } from '../../../src/cluster/join-gate.js';
import { FakeClock } from '../../support/fake-clock.js';

function gate(windowMs: number) {
  const clock = new FakeClock();
  const state = { pending: 0, synced: true, joined: 0 };
  const g = new JoinGate({ clock, windowMs, pendingDials: () => state.pending, allSynced: () => state.synced, onJoined: () => state.joined++ });
  return { clock, state, g };
}

describe('JoinGate', () => {
  it('JoinsAtOnce_WithNoWindowNoPeerAndNothingToSync', () => {
    const { g, state } = gate(0);
    g.open();
    expect(g.joined).toBe(true);
    expect(state.joined).toBe(1);
  });

  it('NeverJoinsBeforeItIsOpened', () => {
    const { g } = gate(0);
    g.check();
    expect(g.joined).toBe(false);
  });

  it('WaitsForTheWindow_ThenJoinsByItself', async () => {
    const { g, clock } = gate(1500);
    g.open();
    await clock.advance(1499);
    expect(g.joined).toBe(false);
    await clock.advance(10);
    expect(g.joined).toBe(true);
  });

  it('WaitsForPendingDialsAndUnsyncedLinks_AndJoinsOnTheCheckAfterTheyClear', () => {
    const { g, state } = gate(0);
    state.pending = 1;
    g.open();
    expect(g.joined).toBe(false);
    state.pending = 0;
    state.synced = false;
    g.check();
    expect(g.joined).toBe(false);
    state.synced = true;
    g.check();
    expect(g.joined).toBe(true);
  });

  it('WaitsForADiscoveryRoundHoweverLateItEnds', async () => {
    const { g, clock } = gate(0);
    let end!: () => void;
    g.waitFor(new Promise<void>((resolve) => (end = resolve)));
    g.open();
    await clock.advance(10_000);
    expect(g.joined).toBe(false);
    end();
    await clock.advance(0);
    expect(g.joined).toBe(true);
  });

  it('JoinsOnlyOnce', () => {
    const { g, state } = gate(0);
    g.open();
    g.check();
    g.check();
    expect(state.joined).toBe(1);
  });
});
