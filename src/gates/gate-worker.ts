/**
 * One worker per gate, on the node that runs the gate: it runs the gate's commands one at a time, in
 * arrival order, so two commands at one gate never interleave (a command may await replication
 * before the next one starts). Commands of different gates run independently.
 */
import { GateUnavailableError } from '../errors.js';

export class GateWorker {
  readonly gate: number;
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;
  private stopped = false;

  constructor(gate: number) {
    this.gate = gate;
  }

  /** Commands queued or running. */
  get depth(): number {
    return this.pending;
  }

  get running(): boolean {
    return !this.stopped;
  }

  /** Queues `task` behind the gate's earlier commands. Rejects at once if the worker has stopped. */
  run<T>(task: () => T | Promise<T>): Promise<T> {
    if (this.stopped) return Promise.reject(new GateUnavailableError(this.gate, 'its worker moved to another node'));
    this.pending++;
    const result = this.tail.then(() => {
      if (this.stopped) throw new GateUnavailableError(this.gate, 'its worker moved to another node');
      return task();
    });
    const settle = () => {
      this.pending--;
    };
    this.tail = result.then(settle, settle);
    return result;
  }

  /** Stops taking commands; resolves when the commands already running or queued have settled. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.tail;
  }
}
