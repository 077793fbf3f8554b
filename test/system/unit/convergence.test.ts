/** Convergence verdicts and monitor figures on hand-written answers (pure, no lab). */
import { describe, expect, test } from 'vitest';
import { judgeConvergence, longestGateGap, maxOccupancy, type MonitorSample, type NodeAnswers } from '../checker/convergence.js';

function answers(owners: Record<string, number[]>, views: Record<string, (string | null)[]>, alive = Object.keys(owners)): NodeAnswers[] {
  return Object.keys(owners).map((name) => ({
    url: `http://${name}`,
    cluster: {
      self: name,
      members: alive.map((m) => ({ name: m, url: `http://${m}`, status: 'alive' as const })),
      gates: views[name]!.map((node, i) => ({ gate: i + 1, node, since: 0 })),
    },
    lot: { spaces: 10, occupied: 0, free: 10, cars: [] },
    status: {
      name,
      url: '',
      cluster: 'c',
      incarnation: '',
      version: '',
      uptimeMs: 0,
      ready: true,
      spaces: 10,
      occupied: 0,
      free: 10,
      gates: 2,
      gatesOwned: owners[name]!,
      membersAlive: alive.length,
    },
  }));
}

describe('judgeConvergence', () => {
  test('converged: same members, one running owner per gate, same on every view', () => {
    const a = answers({ n1: [1], n2: [2] }, { n1: ['n1', 'n2'], n2: ['n1', 'n2'] });
    expect(judgeConvergence(a, ['n1', 'n2'], 2)).toEqual({ ok: true, problems: [] });
  });

  test('a gate with two running owners (after a partition heals) is not converged', () => {
    const a = answers({ n1: [1, 2], n2: [2] }, { n1: ['n1', 'n2'], n2: ['n1', 'n2'] });
    expect(judgeConvergence(a, ['n1', 'n2'], 2).problems).toEqual(['gate 2: owner n2 on every view, but run by [n1, n2]']);
  });

  test('views that disagree, or an owner that is not live, are not converged', () => {
    const a = answers({ n1: [1], n2: [2] }, { n1: ['n1', 'n1'], n2: ['n1', 'n2'] });
    expect(judgeConvergence(a, ['n1', 'n2'], 2).problems[0]).toMatch(/gate 2: views disagree/);
    const b = answers({ n1: [1], n2: [] }, { n1: ['n1', 'n3'], n2: ['n1', 'n3'] });
    expect(judgeConvergence(b, ['n1', 'n2'], 2).problems[0]).toMatch(/owner n3 is not a live node/);
  });

  test('a node that does not answer, or sees other members, is not converged', () => {
    const a = answers({ n1: [1, 2] }, { n1: ['n1', 'n1'] }, ['n1', 'n2']);
    expect(judgeConvergence(a, ['n1'], 2).problems[0]).toMatch(/sees alive \[n1,n2\], want \[n1\]/);
    expect(judgeConvergence([{ url: 'http://n9' }], ['n9'], 2).problems).toEqual(['http://n9 did not answer']);
  });
});

describe('monitor figures', () => {
  const s = (t: number, owned: number[][], occupied = 0): MonitorSample => ({
    t,
    nodes: owned.map((g, i) => ({ url: `u${i}`, gatesOwned: g, occupied, spaces: 10 })),
  });

  test('the longest gap starts once every gate ran, and ends when some node runs the gate again', () => {
    const samples = [s(0, [[1], []]), s(100, [[1], [2]]), s(200, [[1], []]), s(300, [[1], []]), s(450, [[1], [2]]), s(500, [[], [2]])];
    expect(longestGateGap(samples, 2)).toEqual({ ms: 250, gate: 2, at: 200 });
  });

  test('no round with every gate running: no gap counted', () => {
    expect(longestGateGap([s(0, [[1]])], 2).ms).toBe(0);
  });

  test('max occupancy over every node and round', () => {
    expect(maxOccupancy([s(0, [[1]], 3), s(1, [[1]], 12)])).toEqual({ occupied: 12, spaces: 10 });
  });
});
