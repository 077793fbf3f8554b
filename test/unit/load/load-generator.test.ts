import { describe, expect, it } from 'vitest';
import { ErrorCodes, LotFullError, NodeUnreachableError } from '../../../src/errors.js';
import { runLoad, type LoadOptions, type LoadTarget } from '../../../src/load/load-generator.js';
import { seededRandom } from '../../../src/random.js';
import type { Car, ExitResult } from '../../../src/types.js';
import { FakeClock } from '../../support/fake-clock.js';

/** A node that answers every command after `delayMs` of fake time, refusing entries past `spaces`. */
function fakeNode(clock: FakeClock, delayMs: number, spaces = Number.POSITIVE_INFINITY) {
  const inside = new Set<string>();
  const calls: Array<{ op: string; plate: string; gate: number }> = [];
  const later = <T>(fn: () => T): Promise<T> =>
    new Promise((resolve, reject) =>
      clock.setTimeout(() => {
        try {
          resolve(fn());
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      }, delayMs),
    );
  const target: LoadTarget = {
    trackEntry: (plate, gate) => {
      calls.push({ op: 'entry', plate, gate });
      return later((): Car => {
        if (inside.size >= spaces) throw new LotFullError(spaces, inside.size);
        inside.add(plate);
        return { plate, gate, enteredAt: 0, node: 'n' };
      });
    },
    trackExit: (plate, gate) => {
      calls.push({ op: 'exit', plate, gate });
      return later((): ExitResult => {
        inside.delete(plate);
        return { car: { plate, gate, enteredAt: 0, node: 'n' }, gate, exitedAt: 0, stayMs: 0 };
      });
    },
  };
  return { target, calls, inside };
}

function options(clock: FakeClock, targets: LoadTarget[], extra: Partial<LoadOptions>): LoadOptions {
  return {
    targets,
    gates: 4,
    mode: { kind: 'concurrency', concurrency: 4 },
    durationMs: 1000,
    plates: 100,
    prefix: 'T ',
    exitRatio: 0.5,
    clock,
    random: seededRandom(9),
    ...extra,
  };
}

describe('runLoad', () => {
  it('closed loop: C workers against a 10 ms node make C commands per 10 ms, each measured at 10 ms', async () => {
    const clock = new FakeClock();
    const node = fakeNode(clock, 10);
    const summary = await clock.run(runLoad(options(clock, [node.target], {})), 5000, 5);
    expect(summary.ok).toBeGreaterThanOrEqual(396);
    expect(summary.ok).toBeLessThanOrEqual(404);
    expect(summary.entries + summary.exits).toBe(summary.ok);
    expect(summary.latency.p50).toBeCloseTo(10, 1); // HDR histogram: 3 significant digits
    expect(summary.latency.max).toBe(10);
    expect(summary.opsPerSec).toBeGreaterThan(380);
    expect(summary.opsPerSec).toBeLessThan(410);
    expect(summary.errors).toEqual({});
  });

  it('open loop: --rate 200 for 1 s sends about 200 commands whatever the latency', async () => {
    const clock = new FakeClock();
    const node = fakeNode(clock, 30);
    const summary = await clock.run(
      runLoad(options(clock, [node.target], { mode: { kind: 'rate', rate: 200, maxInFlight: 50 } })),
      5000,
      1,
    );
    expect(summary.sent).toBeGreaterThanOrEqual(198);
    expect(summary.sent).toBeLessThanOrEqual(201);
    expect(summary.latency.p99).toBeCloseTo(30, 1);
    expect(summary.skipped).toBe(0);
  });

  it('open loop with too few slots skips what it cannot send instead of flooding later', async () => {
    const clock = new FakeClock();
    const node = fakeNode(clock, 100);
    const summary = await clock.run(
      runLoad(options(clock, [node.target], { mode: { kind: 'rate', rate: 1000, maxInFlight: 10 } })),
      5000,
      1,
    );
    // 10 slots / 100 ms = 100 per second at most.
    expect(summary.sent).toBeLessThanOrEqual(120);
    expect(summary.skipped).toBeGreaterThan(500);
  });

  it('goes round-robin over targets and gates', async () => {
    const clock = new FakeClock();
    const a = fakeNode(clock, 1);
    const b = fakeNode(clock, 1);
    await clock.run(
      runLoad(options(clock, [a.target, b.target], { durationMs: 50, mode: { kind: 'concurrency', concurrency: 1 } })),
      5000,
      1,
    );
    expect(Math.abs(a.calls.length - b.calls.length)).toBeLessThanOrEqual(1);
    const gates = [...a.calls, ...b.calls].map((c) => c.gate);
    expect(new Set(gates)).toEqual(new Set([1, 2, 3, 4]));
  });

  it('counts refusals and errors by code apart from acknowledged commands', async () => {
    const clock = new FakeClock();
    const full = fakeNode(clock, 5, 3);
    const down: LoadTarget = {
      trackEntry: () => Promise.reject(new NodeUnreachableError('http://x', 'ECONNREFUSED')),
      trackExit: () => Promise.reject(new NodeUnreachableError('http://x', 'ECONNREFUSED')),
    };
    const summary = await clock.run(runLoad(options(clock, [full.target, down], { exitRatio: 0 })), 5000, 5);
    expect(summary.refusals[ErrorCodes.LOT_FULL]).toBeGreaterThan(0);
    expect(summary.errors[ErrorCodes.NODE_UNREACHABLE]).toBeGreaterThan(0);
    expect(summary.ok).toBe(3);
    expect(summary.okLatency.count).toBe(3);
  });

  it('reports progress once per interval with the interval rate', async () => {
    const clock = new FakeClock();
    const node = fakeNode(clock, 10);
    const reports: number[] = [];
    await clock.run(
      runLoad(
        options(clock, [node.target], { durationMs: 3000, progressIntervalMs: 1000, onProgress: (p) => reports.push(p.intervalOpsPerSec) }),
      ),
      10_000,
      5,
    );
    expect(reports.length).toBeGreaterThanOrEqual(2);
    expect(reports[1]).toBeGreaterThan(350);
  });

  it('stops early when aborted', async () => {
    const clock = new FakeClock();
    const node = fakeNode(clock, 10);
    const controller = new AbortController();
    const run = runLoad(options(clock, [node.target], { durationMs: 60_000, signal: controller.signal }));
    await clock.advance(100);
    controller.abort();
    const summary = await clock.run(run, 1000, 5);
    expect(summary.elapsedMs).toBeLessThan(200);
  });

  it('gives up on commands that never answer after the drain timeout, and says how many', async () => {
    const clock = new FakeClock();
    const stuck: LoadTarget = { trackEntry: () => new Promise(() => undefined), trackExit: () => new Promise(() => undefined) };
    const summary = await clock.run(runLoad(options(clock, [stuck], { durationMs: 100, drainTimeoutMs: 500 })), 5000, 5);
    expect(summary.abandoned).toBe(4);
    expect(summary.ok).toBe(0);
  });

  it('refuses invalid options', () => {
    const clock = new FakeClock();
    expect(() => runLoad(options(clock, [], {}))).toThrow(RangeError);
    expect(() => runLoad(options(clock, [fakeNode(clock, 1).target], { mode: { kind: 'concurrency', concurrency: 0 } }))).toThrow(
      RangeError,
    );
  });
});

describe('runLoad against a target that answers without I/O', () => {
  it('still stops at the deadline (the workers yield to timers)', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const instant: LoadTarget = {
      trackEntry: async (plate, gate) => {
        calls++;
        return { plate, gate, enteredAt: 0, node: 'n' };
      },
      trackExit: async (plate, gate) => {
        calls++;
        return { car: { plate, gate, enteredAt: 0, node: 'n' }, gate, exitedAt: 0, stayMs: 0 };
      },
    };
    const summary = await clock.run(runLoad(options(clock, [instant], { durationMs: 20 })), 1000, 5);
    expect(summary.ok).toBe(calls);
    expect(summary.ok).toBeGreaterThan(0);
  });
});
