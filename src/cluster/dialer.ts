/**
 * Keeps a link to every address discovery found: dials it, and redials with capped exponential
 * backoff and jitter when the dial fails or the link closes, until discovery loses the address.
 * Gives up on an address for good when it turns out to be this node ('self'). Does not dial a peer
 * already linked (it may have dialed us first); it looks again when that link goes down.
 */
import { EventEmitter } from 'node:events';
import type { Clock, TimerHandle } from '../clock.js';
import { backoffDelay } from '../discovery/backoff.js';
import { HandshakeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Startable } from '../lifecycle.js';
import type { Random } from '../random.js';
import type { LinkObserver } from '../transport/registrar.js';
import type { PeerLink, Transport } from '../transport/types.js';

export interface DialerOptions {
  transport: Transport;
  clock: Clock;
  random: Random;
  logger: Logger;
  /** True when a link to this node name is open (either direction). */
  isLinked: (name: string) => boolean;
  baseMs?: number;
  maxMs?: number;
  /** Called after each dial attempt (joined, refused or failed); the `dial:attempted` event says the same. */
  onAttempt?: () => void;
  /**
   * A peer that refuses us with `duplicate-name` may still see our previous incarnation alive; until
   * this long after the first such refusal it is not counted as tried (the node waits for it).
   */
  duplicateNameWaitMs?: number;
}

interface Target {
  address: string;
  attempt: number;
  timer: TimerHandle | undefined;
  dialing: boolean;
  /** The node behind this address, once a handshake told us. */
  name: string | undefined;
  /** When this address first refused us with duplicate-name (monotonic ms). */
  duplicateNameSince: number | undefined;
}

export interface DialerEvents {
  /** A dial attempt ended (linked, refused or failed), or an address waited for was lost. */
  'dial:attempted': [];
}

export class Dialer extends EventEmitter<DialerEvents> implements Startable, LinkObserver {
  readonly name = 'dialer';
  private readonly options: DialerOptions;
  private readonly log: Logger;
  private readonly targets = new Map<string, Target>();
  private readonly ignored = new Set<string>();
  private readonly initial = new Set<string>();
  private stopped = false;

  constructor(options: DialerOptions) {
    super();
    this.options = options;
    this.log = options.logger.child({ component: 'dialer' });
  }

  /** Addresses known at start that have not been tried once yet. */
  initialPending(): number {
    return this.initial.size;
  }

  /** Addresses being kept linked. */
  addresses(): string[] {
    return [...this.targets.keys()];
  }

  /**
   * Keeps `address` linked. `initial` marks an address known at start: the node runs no gate until each
   * of those was tried once (see {@link initialPending}).
   */
  add(address: string, initial = false): void {
    if (this.stopped || this.ignored.has(address)) return;
    if (this.targets.has(address)) {
      // Found again before its first dial finished (discovery reports at start and in peers()).
      if (initial && this.targets.get(address)!.attempt === 0 && this.targets.get(address)!.name === undefined) this.initial.add(address);
      return;
    }
    if (initial) this.initial.add(address);
    const target: Target = { address, attempt: 0, timer: undefined, dialing: false, name: undefined, duplicateNameSince: undefined };
    this.targets.set(address, target);
    this.dial(target);
  }

  remove(address: string): void {
    const target = this.targets.get(address);
    // An address we waited for is gone: the node may be able to join without it now.
    if (this.initial.delete(address)) this.notify();
    if (target === undefined) return;
    if (target.timer !== undefined) this.options.clock.clearTimeout(target.timer);
    this.targets.delete(address);
  }

  private attempted(address: string): void {
    this.initial.delete(address);
    this.notify();
  }

  private notify(): void {
    this.options.onAttempt?.();
    this.emit('dial:attempted');
  }

  start(): void {
    // Dials begin as discovery reports addresses (add()).
  }

  onLinkDown(link: PeerLink): void {
    this.linkDown(link.remote.name);
  }

  onLinkReplaced(): void {
    // The same process is still linked: nothing to redial.
  }

  /** A link to `name` closed: redial the addresses behind it (after a backoff). */
  linkDown(name: string): void {
    for (const target of this.targets.values()) if (target.name === name) this.schedule(target);
  }

  stop(): void {
    this.stopped = true;
    for (const target of this.targets.values()) if (target.timer !== undefined) this.options.clock.clearTimeout(target.timer);
    this.targets.clear();
  }

  private schedule(target: Target): void {
    if (this.stopped || target.timer !== undefined || target.dialing || this.targets.get(target.address) !== target) return;
    const delay = backoffDelay(target.attempt, {
      baseMs: this.options.baseMs ?? 100,
      maxMs: this.options.maxMs ?? 5000,
      random: this.options.random,
      jitter: 'equal',
    });
    target.attempt++;
    target.timer = this.options.clock.setTimeout(() => {
      target.timer = undefined;
      this.dial(target);
    }, delay);
    target.timer.unref?.();
  }

  private dial(target: Target): void {
    if (this.stopped || target.dialing || this.targets.get(target.address) !== target) return;
    if (target.name !== undefined && this.options.isLinked(target.name)) {
      this.attempted(target.address);
      return; // linkDown() brings us back
    }
    target.dialing = true;
    this.options.transport.dial(target.address).then(
      (link) => {
        target.dialing = false;
        target.name = link.remote.name;
        target.attempt = 0;
        this.log.debug({ address: target.address, peer: link.remote.name }, 'dialed');
        this.attempted(target.address);
      },
      (err: unknown) => {
        target.dialing = false;
        if (err instanceof HandshakeError && err.reason === 'self') {
          this.log.debug({ address: target.address }, 'address is this node');
          this.ignored.add(target.address);
          this.remove(target.address);
          this.attempted(target.address);
          return;
        }
        const level = target.attempt < 3 ? 'debug' : 'info';
        this.log[level](
          {
            address: target.address,
            attempt: target.attempt,
            code: (err as { code?: string }).code,
            reason: err instanceof HandshakeError ? err.reason : undefined,
          },
          'dial failed',
        );
        this.schedule(target);
        // Refused because a name is taken by a live node (maybe our own previous incarnation, not yet
        // declared dead): we have not joined that peer, so it stays a peer we wait for, for a while.
        if (err instanceof HandshakeError && err.reason === 'duplicate-name') {
          const now = this.options.clock.monotonic();
          target.duplicateNameSince ??= now;
          if (now - target.duplicateNameSince < (this.options.duplicateNameWaitMs ?? 5000)) return;
        }
        this.attempted(target.address);
      },
    );
  }
}
