/**
 * A Clock whose time moves only when a test says so. Timers fire in due order; between two timers the
 * real event loop turns once, so promise chains and real I/O started by a timer settle before the
 * next one runs.
 */
import type { Clock, TimerHandle } from '../../src/clock.js';
import { eventually, type EventuallyOptions } from './eventually.js';

interface Timer extends TimerHandle {
  id: number;
  due: number;
  fn: () => void;
  every: number | undefined;
  cancelled: boolean;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class FakeClock implements Clock {
  private time: number;
  private readonly epoch: number;
  private timers: Timer[] = [];
  private nextId = 1;

  constructor(epoch = Date.UTC(2026, 10, 23, 12, 0, 0)) {
    this.epoch = epoch;
    this.time = 0;
  }

  now(): number {
    return this.epoch + this.time;
  }

  monotonic(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, ms, undefined);
  }

  clearTimeout(handle: TimerHandle): void {
    (handle as Timer).cancelled = true;
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, ms, Math.max(1, ms));
  }

  clearInterval(handle: TimerHandle): void {
    (handle as Timer).cancelled = true;
  }

  defer(fn: () => void): void {
    this.add(fn, 0, undefined);
  }

  /** Pending timers (for assertions that nothing is left running). */
  get pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order, one event-loop turn apart. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    await turn();
    while (this.fireNext(target)) await turn();
    this.time = target;
    await turn();
  }

  /**
   * Moves time forward by `ms` without firing anything: the process was stopped (SIGSTOP, a long GC)
   * and its overdue timers fire at the next advance, all at once, as Node fires them on resume.
   */
  jump(ms: number): void {
    this.time += ms;
  }

  /**
   * Moves time forward by `ms` synchronously, firing due timers in order, without turning the event
   * loop between them (for code whose timers do not wait on I/O, like the transport's handshake).
   */
  advanceSync(ms: number): void {
    const target = this.time + ms;
    while (this.fireNext(target));
    this.time = target;
  }

  /** advanceSync, then lets promise callbacks run so awaited results settle (no I/O turn). */
  async tick(ms: number): Promise<void> {
    this.advanceSync(ms);
    for (let i = 0; i < 10; i++) await Promise.resolve();
  }

  /**
   * `eventually` on fake time: checks `condition()`, and advances the clock by `intervalMs` (default
   * 5 ms) between checks until it holds, for at most `timeoutMs` (default 60 s) of fake time.
   */
  until<T>(condition: () => T | Promise<T>, options: Omit<EventuallyOptions, 'time'> = {}): Promise<NonNullable<T>> {
    const start = this.time;
    return eventually(condition, {
      timeoutMs: 60_000,
      intervalMs: 5,
      message: 'condition',
      ...options,
      time: { elapsed: () => this.time - start, pass: (ms) => this.advance(ms) },
    });
  }

  /** Advances in `stepMs` steps until `promise` settles (at most `limitMs` of fake time); returns its outcome. */
  async run<T>(promise: Promise<T>, limitMs = 60_000, stepMs = 5): Promise<T> {
    let settled = false;
    const watched = promise.finally(() => {
      settled = true;
    });
    watched.catch(() => undefined);
    await this.until(() => settled, { timeoutMs: limitMs, intervalMs: stepMs, message: 'the promise to settle' });
    return watched;
  }

  /** Fires the earliest timer due by `target` (ties: creation order); false when none is. */
  private fireNext(target: number): boolean {
    this.timers = this.timers.filter((t) => !t.cancelled);
    const next = this.timers.reduce<Timer | undefined>(
      (a, t) => (a === undefined || t.due < a.due || (t.due === a.due && t.id < a.id) ? t : a),
      undefined,
    );
    if (next === undefined || next.due > target) return false;
    this.time = Math.max(this.time, next.due);
    if (next.every !== undefined) next.due += next.every;
    else next.cancelled = true;
    next.fn();
    return true;
  }

  private add(fn: () => void, ms: number, every: number | undefined): Timer {
    const timer: Timer = { id: this.nextId++, due: this.time + Math.max(0, ms), fn, every, cancelled: false, unref: () => undefined };
    this.timers.push(timer);
    return timer;
  }
}
