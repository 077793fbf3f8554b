/**
 * DNS discovery, Kubernetes headless-service style: poll the A records of a name (one per ready
 * pod) and optionally SRV records, and diff each answer against the last one. Node's resolver
 * does not cache (Node 20), so each poll sees the current answer; `resolve*` ignores resolv.conf
 * search domains, so names must be fully qualified.
 */
import { Resolver } from 'node:dns/promises';
import type { TimerHandle } from '../clock.js';
import { ConfigError } from '../errors.js';
import { formatHostPort, isSelfAddress, isValidPort, localHostAddresses, type HostPort } from './address.js';
import { PeerTable } from './peer-table.js';
import type { Discovery, DiscoveryComponents, DiscoveryOptions } from './types.js';

/** Defaults of the DNS strategy. */
export const DNS_DEFAULTS = {
  /** Poll period: a new pod is dialed within this long after it becomes ready. */
  intervalMs: 2000,
} as const;

/** Settings of {@link DnsDiscovery}, validated. */
export interface DnsDiscoverySettings {
  dnsName?: string;
  dnsSrv?: string;
  dnsServers?: string[];
  dnsPort?: number;
  intervalMs: number;
}

// "This name has no such records" answers: an empty list of peers, not a failure.
const EMPTY_ANSWER_CODES = new Set(['ENOTFOUND', 'ENODATA']);

/**
 * Validates the DNS fields of the options.
 * @throws ConfigError naming the field (`dnsName`, `dnsSrv`, `dnsPort`, `dnsIntervalMs`).
 */
export function dnsSettings(options: DiscoveryOptions): DnsDiscoverySettings {
  const { dnsName, dnsSrv, dnsServers, dnsPort } = options;
  if ((dnsName === undefined || dnsName === '') && (dnsSrv === undefined || dnsSrv === '')) {
    throw new ConfigError('dnsName', 'dns discovery needs dnsName (A records) or dnsSrv (SRV records)');
  }
  if (dnsPort !== undefined && !isValidPort(dnsPort)) throw new ConfigError('dnsPort', `${String(dnsPort)} is not a port in 1..65535`);
  const intervalMs = options.dnsIntervalMs ?? DNS_DEFAULTS.intervalMs;
  if (!Number.isInteger(intervalMs) || intervalMs < 1)
    throw new ConfigError('dnsIntervalMs', `${String(intervalMs)} is not a positive integer`);
  if (dnsServers !== undefined && (!Array.isArray(dnsServers) || dnsServers.length === 0))
    throw new ConfigError('dnsServers', 'must be a non-empty list');
  const settings: DnsDiscoverySettings = { intervalMs };
  if (dnsName) settings.dnsName = dnsName;
  if (dnsSrv) settings.dnsSrv = dnsSrv;
  if (dnsServers !== undefined) settings.dnsServers = dnsServers;
  if (dnsPort !== undefined) settings.dnsPort = dnsPort;
  return settings;
}

/** What one lookup produced: the addresses, or `undefined` when it failed (keep the last answer). */
type LookupResult = HostPort[] | undefined;

/** Polls DNS every `intervalMs` (on the injected clock) and reports additions and removals. */
export class DnsDiscovery extends PeerTable implements Discovery {
  readonly kind = 'dns' as const;
  readonly #settings: DnsDiscoverySettings;
  readonly #components: DiscoveryComponents;
  readonly #resolver: Resolver;
  #timer: TimerHandle | undefined;
  #inFlight: Promise<void> | undefined;
  #failing = false;
  // Last good answer per source, so that one failing lookup does not drop the other's peers.
  #lastA: HostPort[] = [];
  #lastSrv: HostPort[] = [];
  #firstRoundDone!: () => void;
  readonly #firstRound = new Promise<void>((resolve) => (this.#firstRoundDone = resolve));

  /** @throws ConfigError on invalid DNS options (validated here, before start). */
  constructor(options: DiscoveryOptions, components: DiscoveryComponents) {
    super(components.logger.child({ component: 'discovery', strategy: 'dns' }));
    this.#settings = dnsSettings(options);
    this.#components = components;
    // Per-try timeout kept under the poll period where possible, so a dead server costs a skipped
    // tick or two, not a pile-up; c-ares retries `tries` times.
    this.#resolver = new Resolver({ timeout: Math.min(5000, Math.max(200, this.#settings.intervalMs)), tries: 2 });
    if (this.#settings.dnsServers !== undefined) {
      try {
        this.#resolver.setServers(this.#settings.dnsServers);
      } catch (err) {
        throw new ConfigError('dnsServers', `${JSON.stringify(this.#settings.dnsServers)}: ${(err as Error).message}`);
      }
    }
    for (const name of [this.#settings.dnsName, this.#settings.dnsSrv]) {
      if (name !== undefined && !name.includes('.')) this.log.warn({ name }, 'dns name is not fully qualified');
    }
  }

  async start(): Promise<void> {
    if (this.#timer !== undefined) return;
    const { clock } = this.#components;
    this.#timer = clock.setInterval(() => this.#tick(), this.#settings.intervalMs);
    this.log.info(
      { name: this.#settings.dnsName, srv: this.#settings.dnsSrv, intervalMs: this.#settings.intervalMs },
      'dns discovery started',
    );
    // First poll now, not one interval from now; start() does not wait for it, so a slow DNS
    // server never delays the node's start.
    this.#tick();
  }

  async stop(): Promise<void> {
    if (this.#timer === undefined) return;
    this.#components.clock.clearInterval(this.#timer);
    this.#timer = undefined;
    this.#firstRoundDone();
    // Cancelling rejects the pending lookups (ECANCELLED), so stop() does not wait out a timeout.
    this.#resolver.cancel();
    await this.#inFlight;
    this.clearPeers();
    this.#lastA = [];
    this.#lastSrv = [];
  }

  // Polls never overlap: a tick that finds the previous poll still running is skipped.
  #tick(): void {
    if (this.#inFlight !== undefined) {
      this.log.debug('dns poll still running, tick skipped');
      return;
    }
    this.#inFlight = this.#poll().finally(() => {
      this.#inFlight = undefined;
      this.#firstRoundDone();
    });
  }

  /** Resolves once the first poll has answered or failed (its peers, if any, were reported first). */
  firstRound(): Promise<void> {
    return this.#firstRound;
  }

  async #poll(): Promise<void> {
    const { dnsName, dnsSrv } = this.#settings;
    const [a, srv] = await Promise.all([
      dnsName === undefined ? Promise.resolve<HostPort[]>([]) : this.#lookup(dnsName, 'A', () => this.#resolveA(dnsName)),
      dnsSrv === undefined ? Promise.resolve<HostPort[]>([]) : this.#lookup(dnsSrv, 'SRV', () => this.#resolveSrv(dnsSrv)),
    ]);
    if (this.#timer === undefined) return; // stopped while resolving
    if (a !== undefined) this.#lastA = a;
    if (srv !== undefined) this.#lastSrv = srv;
    const { self } = this.#components;
    const localHosts = localHostAddresses();
    const current = new Set(
      [...this.#lastA, ...this.#lastSrv].filter((hp) => !isSelfAddress(hp, self, localHosts)).map((hp) => formatHostPort(hp.host, hp.port)),
    );
    for (const key of this.peerKeys()) if (!current.has(key)) this.deletePeer(key);
    for (const address of current) this.setPeer(address, { address });
  }

  async #resolveA(name: string): Promise<HostPort[]> {
    const port = this.#settings.dnsPort ?? this.#components.self.port;
    const ips = await this.#resolver.resolve4(name);
    return ips.map((host) => ({ host, port }));
  }

  // SRV targets are host names (`pod.svc.ns.svc.cluster.local`); the cluster dials them as given.
  async #resolveSrv(name: string): Promise<HostPort[]> {
    const records = await this.#resolver.resolveSrv(name);
    return records
      .filter((r) => isValidPort(r.port) && r.name !== '')
      .map((r) => ({ host: r.name.replace(/\.$/, '').toLowerCase(), port: r.port }));
  }

  async #lookup(name: string, type: 'A' | 'SRV', resolve: () => Promise<HostPort[]>): Promise<LookupResult> {
    try {
      const addresses = await resolve();
      this.#answered(name, type);
      return addresses;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'UNKNOWN';
      if (EMPTY_ANSWER_CODES.has(code)) {
        // NXDOMAIN: a headless service with no ready pod yet. Expected while the cluster forms.
        this.#answered(name, type);
        this.log.debug({ name, type, code }, 'dns name has no records');
        return [];
      }
      if (code === 'ECANCELLED') return undefined;
      // Timeouts, refused, SERVFAIL: keep the last answer, warn once per failure streak.
      const level = this.#failing ? 'debug' : 'warn';
      this.#failing = true;
      this.log[level]({ name, type, code }, 'dns lookup failed');
      return undefined;
    }
  }

  #answered(name: string, type: 'A' | 'SRV'): void {
    if (this.#failing) this.log.info({ name, type }, 'dns lookups recovered');
    this.#failing = false;
  }
}
