/**
 * The core of `parking load` and of the benchmarks: drives entries and exits against one or more
 * ParkingApi targets (HTTP clients, or a Node object in-process), bounded in time, and measures every
 * command from send to answer.
 *
 * Two modes:
 * - `rate`: open loop, `rate` commands per second on a fixed schedule (pacer.ts), at most
 *   `maxInFlight` at once. Measures latency at a given load.
 * - `concurrency`: closed loop, `concurrency` workers each sending its next command when the last one
 *   is answered. Measures the most the targets take.
 *
 * Commands go round-robin over the targets and over gates 1..gates. A plate never has two commands in
 * flight (plate-pool.ts). Nothing here reads the wall clock or the global RNG: the clock and the Random
 * are injected, so the unit tests run it on a fake clock.
 */
import type { Clock, TimerHandle } from '../clock.js';
import type { Random } from '../random.js';
import type { ParkingApi } from '../types.js';
import { RatePacer } from './pacer.js';
import { LatencyRecorder, type LatencySummary } from './percentiles.js';
import { PlatePool, type OpOutcome, type PlannedOp } from './plate-pool.js';

/** What the generator needs of a node. */
export type LoadTarget = Pick<ParkingApi, 'trackEntry' | 'trackExit'>;

/** Codes by which the lot refuses a command (the command was answered; the state said no). */
export const REFUSAL_CODES: ReadonlySet<string> = new Set([
  'ERR_ALREADY_INSIDE',
  'ERR_LOT_FULL',
  'ERR_NOT_INSIDE',
  'ERR_INVALID_PLATE',
  'ERR_UNKNOWN_GATE',
]);

export type LoadMode = { kind: 'rate'; rate: number; maxInFlight: number } | { kind: 'concurrency'; concurrency: number };

export interface LoadOptions {
  targets: readonly LoadTarget[];
  /** Gates 1..gates are used in turn. */
  gates: number;
  mode: LoadMode;
  /** How long commands are sent, ms. In-flight ones are then awaited (up to drainTimeoutMs). */
  durationMs: number;
  /** Distinct plates; at least the concurrency (or maxInFlight), or commands wait for a free plate. */
  plates: number;
  /** Plate prefix; a run-unique one keeps runs against one lot apart. */
  prefix: string;
  /** Share of exits when a car is inside, in [0, 1]; 0.5 keeps the lot about half of `plates`. */
  exitRatio: number;
  clock: Clock;
  random: Random;
  /** Progress callback period, ms; default 1000. */
  progressIntervalMs?: number;
  onProgress?: (progress: LoadProgress) => void;
  /** Stops sending early (Ctrl-C); the summary covers what ran. */
  signal?: AbortSignal;
  /** After the duration, wait at most this long for in-flight commands; default 15000. */
  drainTimeoutMs?: number;
}

/** One progress report: totals so far and the last interval's rate and latency. */
export interface LoadProgress {
  elapsedMs: number;
  ok: number;
  refused: number;
  errors: number;
  inFlight: number;
  /** Acknowledged commands per second over the last interval. */
  intervalOpsPerSec: number;
  /** Latency (ms) of the commands answered in the last interval. */
  interval: LatencySummary;
}

/** The result of a run. Latencies in ms. */
export interface LoadSummary {
  mode: LoadMode;
  targets: number;
  /** From the first command sent until the last one settled (or the drain gave up). */
  elapsedMs: number;
  /** Commands sent. */
  sent: number;
  /** Acknowledged (entries + exits). */
  ok: number;
  entries: number;
  exits: number;
  /** Acknowledged commands per second over `elapsedMs`. */
  opsPerSec: number;
  /** Latency of every answered command (acknowledged or refused or failed). */
  latency: LatencySummary;
  /** Latency of the acknowledged commands only. */
  okLatency: LatencySummary;
  refusals: Record<string, number>;
  errors: Record<string, number>;
  /** Rate mode: commands not sent because the generator fell behind (see pacer.ts). */
  skipped: number;
  /** Commands still unanswered when the drain gave up. */
  abandoned: number;
  /** Monotonic ms (on the injected clock) of the first send and of the last answer. */
  startedAt: number;
  endedAt: number;
}

/** The stable code of a thrown value: a ParkingError's `.code`, a Node error's code, else ERR_INTERNAL. */
export function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '' ? code : 'ERR_INTERNAL';
}

function bump(record: Record<string, number>, key: string): void {
  record[key] = (record[key] ?? 0) + 1;
}

function validate(options: LoadOptions): void {
  if (options.targets.length === 0) throw new RangeError('at least one target is needed');
  if (!Number.isSafeInteger(options.gates) || options.gates < 1)
    throw new RangeError(`gates must be a positive integer, got ${options.gates}`);
  if (!(options.durationMs > 0)) throw new RangeError(`duration must be positive, got ${options.durationMs}`);
  const { mode } = options;
  if (mode.kind === 'concurrency' && (!Number.isSafeInteger(mode.concurrency) || mode.concurrency < 1))
    throw new RangeError(`concurrency must be a positive integer, got ${mode.concurrency}`);
  if (mode.kind === 'rate' && (!Number.isSafeInteger(mode.maxInFlight) || mode.maxInFlight < 1))
    throw new RangeError(`maxInFlight must be a positive integer, got ${mode.maxInFlight}`);
}

/** Runs the load; resolves with the summary. Rejects only on invalid options. */
export function runLoad(options: LoadOptions): Promise<LoadSummary> {
  validate(options);
  const { clock, targets, gates, mode } = options;
  const pool = new PlatePool({ plates: options.plates, prefix: options.prefix, exitRatio: options.exitRatio, random: options.random });
  const all = new LatencyRecorder();
  const okOnly = new LatencyRecorder();
  const interval = new LatencyRecorder();
  const refusals: Record<string, number> = {};
  const errors: Record<string, number> = {};
  let sent = 0;
  let ok = 0;
  let entries = 0;
  let exits = 0;
  let refused = 0;
  let failed = 0;
  let inFlight = 0;
  let intervalOk = 0;
  let lastAnswer = 0;
  let stopped = false;
  const startedAt = clock.monotonic();
  const pacer = mode.kind === 'rate' ? new RatePacer({ rate: mode.rate, start: startedAt }) : undefined;
  const maxInFlight = mode.kind === 'rate' ? mode.maxInFlight : mode.concurrency;

  let finish: (() => void) | undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  // eslint-disable-next-line prefer-const -- assigned once below, but read by stop(), which may run first
  let durationTimer: TimerHandle | undefined;
  let tickTimer: TimerHandle | undefined;
  let drainTimer: TimerHandle | undefined;
  const settleIfDone = (): void => {
    if (stopped && inFlight === 0) finish?.();
  };

  /** Sends one command; resolves when it is answered. False when no plate was free. */
  const sendOne = async (): Promise<boolean> => {
    const planned: PlannedOp | undefined = pool.next();
    if (planned === undefined) return false;
    const k = sent++;
    const target = targets[k % targets.length]!;
    const gate = (k % gates) + 1;
    inFlight++;
    const t0 = clock.monotonic();
    let outcome: OpOutcome;
    try {
      if (planned.op === 'entry') await target.trackEntry(planned.plate, gate);
      else await target.trackExit(planned.plate, gate);
      outcome = { ok: true };
    } catch (err) {
      outcome = { ok: false, code: codeOf(err) };
    }
    const t1 = clock.monotonic();
    const ms = t1 - t0;
    lastAnswer = t1;
    all.record(ms);
    interval.record(ms);
    if (outcome.ok) {
      ok++;
      intervalOk++;
      okOnly.record(ms);
      if (planned.op === 'entry') entries++;
      else exits++;
    } else if (REFUSAL_CODES.has(outcome.code)) {
      refused++;
      bump(refusals, outcome.code);
    } else {
      failed++;
      bump(errors, outcome.code);
    }
    pool.complete(planned, outcome);
    inFlight--;
    settleIfDone();
    return true;
  };

  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    if (durationTimer !== undefined) clock.clearTimeout(durationTimer);
    if (tickTimer !== undefined) clock.clearTimeout(tickTimer);
    // Bounded: a command that never answers must not hold the run forever.
    drainTimer = clock.setTimeout(() => finish?.(), options.drainTimeoutMs ?? 15_000);
    settleIfDone();
  };

  // Progress reports.
  const period = options.progressIntervalMs ?? 1000;
  let lastReport = startedAt;
  const progressTimer = clock.setInterval(() => {
    const now = clock.monotonic();
    const seconds = Math.max(1e-9, (now - lastReport) / 1000);
    options.onProgress?.({
      elapsedMs: now - startedAt,
      ok,
      refused,
      errors: failed,
      inFlight,
      intervalOpsPerSec: intervalOk / seconds,
      interval: interval.summary(),
    });
    interval.reset();
    intervalOk = 0;
    lastReport = now;
  }, period);

  durationTimer = clock.setTimeout(stop, options.durationMs);
  options.signal?.addEventListener('abort', stop, { once: true });
  if (options.signal?.aborted === true) stop();

  if (mode.kind === 'concurrency') {
    const worker = async (): Promise<void> => {
      for (let i = 1; !stopped; i++) {
        // Only when every plate is busy (plates < concurrency): wait a little for one to free up.
        if (!(await sendOne())) await new Promise<void>((resolve) => clock.setTimeout(resolve, 1));
        // A target that answers without I/O (a Node object in-process) settles in microtasks only:
        // check the deadline here, and let timers and I/O run now and then, or the loop never ends.
        if (clock.monotonic() - startedAt >= options.durationMs) stop();
        // A real setImmediate, not clock.defer: this is not timing but yielding the event loop, and a
        // fake clock would run a deferral that re-defers itself forever without moving time.
        else if (i % 32 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      }
    };
    for (let i = 0; i < mode.concurrency; i++) void worker();
  } else {
    const tick = (): void => {
      if (stopped) return;
      const now = clock.monotonic();
      const due = pacer!.take(now, Math.max(0, maxInFlight - inFlight));
      for (let i = 0; i < due; i++) {
        const planned = sendOne();
        void planned.then((done) => {
          // No free plate: give the slot back to the schedule's debt (counted as skipped).
          if (!done) pacer!.skipped++;
        });
      }
      const wait = inFlight >= maxInFlight ? 1 : Math.max(1, pacer!.wait(clock.monotonic()));
      tickTimer = clock.setTimeout(tick, wait);
    };
    tick();
  }

  return finished.then(summarize);

  function summarize(): LoadSummary {
    clock.clearInterval(progressTimer);
    if (drainTimer !== undefined) clock.clearTimeout(drainTimer);
    options.signal?.removeEventListener('abort', stop);
    const endedAt = Math.max(lastAnswer, startedAt);
    const elapsedMs = endedAt - startedAt;
    return {
      mode,
      targets: targets.length,
      elapsedMs,
      sent,
      ok,
      entries,
      exits,
      opsPerSec: elapsedMs > 0 ? ok / (elapsedMs / 1000) : 0,
      latency: all.summary(),
      okLatency: okOnly.summary(),
      refusals,
      errors,
      skipped: pacer?.skipped ?? 0,
      abandoned: inFlight,
      startedAt,
      endedAt,
    };
  }
}
