/**
 * The lifecycle every part of a node has (libp2p's `Startable`). The node starts its components in
 * the order they were built and stops them in reverse, each phase across all components before the
 * next phase begins:
 *
 *   beforeStart (all) -> start (all) -> afterStart (all)
 *   beforeStop (all, reverse) -> stop (all, reverse) -> afterStop (all, reverse)
 *
 * The graceful part of a stop lives in `beforeStop` hooks: the router refuses new commands, the gate
 * workers drain, the replicator flushes and awaits acks, membership announces LEAVE. The node bounds
 * the whole `beforeStop` phase by `shutdownTimeoutMs`; `stop` always runs.
 */

/** A part of a node with a start/stop lifecycle. Every hook is optional but `start` and `stop`. */
export interface Startable {
  /** A name for logs and errors. */
  readonly name: string;
  beforeStart?(): void | Promise<void>;
  start(): void | Promise<void>;
  afterStart?(): void | Promise<void>;
  beforeStop?(): void | Promise<void>;
  stop(): void | Promise<void>;
  afterStop?(): void | Promise<void>;
}

type Phase = 'beforeStart' | 'start' | 'afterStart' | 'beforeStop' | 'stop' | 'afterStop';

/** Runs one phase on every component, in the given order, each awaited before the next. */
export async function runPhase(components: readonly Startable[], phase: Phase): Promise<void> {
  for (const component of components) await component[phase]?.();
}

/** Starts components in order: every beforeStart, then every start, then every afterStart. */
export async function startAll(components: readonly Startable[]): Promise<void> {
  await runPhase(components, 'beforeStart');
  await runPhase(components, 'start');
  await runPhase(components, 'afterStart');
}
