/**
 * 4. Failover. A 3-node cluster with the shipped defaults; a client sends commands through gate 1,
 * one after another, to a node that survives; then the node running gate 1 gets a signal:
 * - SIGKILL: the process dies; its sockets are closed by the kernel, which peers notice at once;
 * - SIGTERM: graceful stop (drain the gate workers, flush, LEAVE): the target is zero failed commands;
 * - SIGSTOP: the process hangs with its sockets open (a frozen VM, a long GC pause): only the
 *   heartbeat's failureTimeoutMs (3 s by default) can tell; shown to put the other two in context.
 * Measured from the signal: until every gate the victim ran has moved to a live node on every
 * survivor (their `gate:moved` events), until the first command through gate 1 succeeds after the
 * gates moved, the longest gap between two acknowledged commands through gate 1, and how many
 * commands failed (errors, not refusals). Also, per run: until every gate the victim ran has started
 * again on its new owner (`gate:started`), and the longest takeover sync (a new owner's `gate:moved`
 * to its `gate:started`: a step 1 to each linked peer and their step 2s, or the old owner's release).
 */
import { codeOf } from '../../src/load/index.js';
import { startCluster, stopAll, waitFor, type BenchNode } from '../lib/cluster.js';
import { type BenchContext, medians, round, sized, sleep, wall } from '../lib/context.js';
import { subscribe } from '../lib/sse.js';

export interface FailoverRun extends Record<string, number> {
  gatesMovedMs: number;
  /** From the signal until every gate of the victim runs again on a survivor. */
  gatesStartedMs: number;
  /** The longest time from a gate's move to a survivor to its start there. */
  takeoverMs: number;
  firstOkAfterMoveMs: number;
  longestGapMs: number;
  failed: number;
  commands: number;
}

type Signal = 'SIGKILL' | 'SIGTERM' | 'SIGSTOP';

async function oneRun(ctx: BenchContext, signal: Signal, repeat: number): Promise<FailoverRun> {
  const nodes = await startCluster(3, { prefix: `f${signal.slice(3, 5).toLowerCase()}${repeat}n` });
  const subs: Array<{ close(): void; ready: Promise<void> }> = [];
  try {
    const view = await nodes[0]!.client.cluster();
    const victimName = view.gates.find((g) => g.gate === 1)!.node!;
    const victim = nodes.find((n) => n.name === victimName)!;
    const survivors = nodes.filter((n) => n !== victim);
    const victimGates = view.gates.filter((g) => g.node === victimName).map((g) => g.gate);
    // gate -> survivor -> time it moved to a live node in that survivor's view
    const moved = new Map<number, Map<BenchNode, number>>();
    // gate -> when it started on a survivor after the signal, and when it had moved there
    const started = new Map<number, { at: number; movedHere: number }>();
    const movedTo = new Map<string, number>();
    let signalled = Number.POSITIVE_INFINITY;
    for (const s of survivors) {
      subs.push(
        subscribe(
          s.url,
          (ev) => {
            if (ev.type === 'gate:started') {
              const d = ev.data as { gate: number; at: number };
              if (d.at >= signalled && !started.has(d.gate))
                started.set(d.gate, { at: d.at, movedHere: movedTo.get(`${s.name}:${d.gate}`) ?? d.at });
              return;
            }
            const d = ev.data as { gate: number; to: string | null; at: number };
            if (d.to === s.name) movedTo.set(`${s.name}:${d.gate}`, d.at);
            if (d.to === null || d.to === victimName) return;
            let m = moved.get(d.gate);
            if (m === undefined) moved.set(d.gate, (m = new Map<BenchNode, number>()));
            if (!m.has(s)) m.set(s, d.at);
          },
          ['gate:moved', 'gate:started'],
        ),
      );
    }
    await Promise.all(subs.map((s) => s.ready));

    const client = survivors[0]!.client;
    const acks: number[] = [];
    let failed = 0;
    let commands = 0;
    let killedAt = Number.POSITIVE_INFINITY;
    let stop = false;
    const driver = (async () => {
      for (let k = 0; !stop && k < 100_000; k++) {
        commands++;
        try {
          await client.trackEntry(`FO${repeat} ${k}`, 1, { requestId: `fo-${signal}-${repeat}-${k}` });
          acks.push(wall());
        } catch (err) {
          if (!['ERR_ALREADY_INSIDE', 'ERR_LOT_FULL'].includes(codeOf(err))) failed++;
        }
      }
    })();
    await sleep(sized(ctx, 500, 400, 300));
    killedAt = wall();
    signalled = killedAt;
    victim.child.kill(signal);
    const allMoved = (): boolean => victimGates.every((g) => survivors.every((s) => moved.get(g)?.has(s) === true));
    await waitFor(allMoved, 15_000, `gates of ${victimName} to move`, 5);
    const movedAt = Math.max(...victimGates.flatMap((g) => [...moved.get(g)!.values()]));
    await waitFor(() => acks.some((t) => t > movedAt), 15_000, 'a command through gate 1 after the move', 5);
    await waitFor(() => victimGates.every((g) => started.has(g)), 15_000, `gates of ${victimName} to start again`, 5);
    const starts = victimGates.map((g) => started.get(g)!);
    await sleep(200);
    stop = true;
    await driver;
    const firstOk = acks.find((t) => t > movedAt)!;
    let gap = 0;
    const around = acks.filter((t) => t > killedAt - 1000);
    for (let i = 1; i < around.length; i++) gap = Math.max(gap, around[i]! - around[i - 1]!);
    // The ack just before the signal to the first after it counts too.
    const before = acks.filter((t) => t <= killedAt).pop();
    const after = acks.find((t) => t > killedAt);
    if (before !== undefined && after !== undefined) gap = Math.max(gap, after - before);
    const run: FailoverRun = {
      gatesMovedMs: round(movedAt - killedAt),
      gatesStartedMs: round(Math.max(...starts.map((x) => x.at)) - killedAt),
      takeoverMs: round(Math.max(...starts.map((x) => x.at - x.movedHere))),
      firstOkAfterMoveMs: round(firstOk - killedAt),
      longestGapMs: round(gap),
      failed,
      commands,
    };
    ctx.log(
      `failover ${signal} #${repeat}: gates moved after ${run.gatesMovedMs} ms, started ${run.gatesStartedMs} ms (takeover ${run.takeoverMs} ms), first ok ${run.firstOkAfterMoveMs} ms, longest gap ${run.longestGapMs} ms, ${failed}/${commands} failed`,
    );
    return run;
  } finally {
    for (const s of subs) s.close();
    for (const n of nodes) if (n.child.signalCode === 'SIGSTOP' || n.child.exitCode === null) n.child.kill('SIGCONT');
    await stopAll(nodes);
  }
}

export interface FailoverResult {
  signals: Array<{ signal: Signal; median: FailoverRun; runs: FailoverRun[] }>;
}

export async function failoverScenario(ctx: BenchContext): Promise<FailoverResult> {
  const signals: FailoverResult['signals'] = [];
  for (const signal of ['SIGKILL', 'SIGTERM', 'SIGSTOP'] as const) {
    const repeats = signal === 'SIGSTOP' ? 1 : ctx.repeats;
    if (signal === 'SIGSTOP' && ctx.preset === 'smoke') continue;
    const runs: FailoverRun[] = [];
    for (let r = 1; r <= repeats; r++) runs.push(await oneRun(ctx, signal, r));
    signals.push({ signal, median: medians(runs), runs });
  }
  return { signals };
}
