/**
 * mDNS discovery over bonjour-service: publish `_parking._tcp` with our TXT record and browse the
 * same type. Scoped to this machine by default (see mdns-service.ts). Known library behaviour this
 * file works around (read in bonjour-service 1.4's source and seen on this project's machine): the
 * default error callback rethrows, the socket's `error`
 * event has no listener inside the library, a name clash kills the service silently, and
 * `destroy()` alone sends no goodbye.
 */
import { Bonjour, type Browser, type Service, type ServiceConfig } from 'bonjour-service';
import type { TimerHandle } from '../clock.js';
import { PeerTable } from './peer-table.js';
import { waitForScopedSocket, type MulticastDns } from './mdns-socket.js';
import {
  judgeService,
  MDNS_SERVICE_TYPE,
  mdnsInstanceName,
  mdnsScope,
  mdnsSocketOptions,
  mdnsTxt,
  type MdnsScope,
} from './mdns-service.js';
import type { Discovery, DiscoveryComponents, DiscoveryOptions } from './types.js';

/** Bounded waits of the mDNS strategy, ms. */
export const MDNS_TIMEOUTS = {
  /** Socket bound and joined to the group. */
  readyMs: 2000,
  /** Goodbye sent, then socket closed: each step at most this long, so stop() always returns. */
  stopStepMs: 1000,
  /** Probing plus first announce take ~1 s; past this, the name most likely clashed. */
  publishCheckMs: 5000,
} as const;

interface Running {
  bonjour: Bonjour;
  browser: Browser | undefined;
  publishCheck: TimerHandle | undefined;
}

/** Finds peers of our cluster on the local link (default: this machine only) through mDNS. */
export class MdnsDiscovery extends PeerTable implements Discovery {
  readonly kind = 'mdns' as const;
  /**
   * Peers already on the network answer about a second after start (bonjour-service 1.4 probes 3
   * times 250 ms apart before it announces; `up` was seen 0.8-1.0 s after publish on this machine):
   * listen 1.5 s before running gates alone.
   */
  readonly joinWindowMs = 1500;
  readonly #components: DiscoveryComponents;
  readonly #scope: MdnsScope;
  #running: Promise<Running> | undefined;
  #stopping: Promise<void> | undefined;

  /** @throws ConfigError (field `mdnsInterface`) when it is not an IPv4 address. */
  constructor(options: Pick<DiscoveryOptions, 'mdnsInterface'>, components: DiscoveryComponents) {
    super(components.logger.child({ component: 'discovery', strategy: 'mdns' }));
    this.#components = components;
    this.#scope = mdnsScope(options.mdnsInterface);
  }

  async start(): Promise<void> {
    if (this.#stopping !== undefined) await this.#stopping;
    this.#running ??= this.#open();
    await this.#running;
  }

  async stop(): Promise<void> {
    if (this.#stopping !== undefined) return this.#stopping;
    const running = this.#running;
    if (running === undefined) return;
    this.#stopping = running
      .then((r) => this.#close(r))
      .finally(() => {
        this.#running = undefined;
        this.#stopping = undefined;
        this.clearPeers();
      });
    return this.#stopping;
  }

  async #open(): Promise<Running> {
    const { self, clock } = this.#components;
    const socketOptions = mdnsSocketOptions(this.#scope);
    // The typings declare the constructor options as ServiceConfig; they are multicast-dns options.
    const bonjour = new Bonjour(socketOptions as unknown as Partial<ServiceConfig>, (err: unknown) =>
      this.log.error({ err }, 'mdns error'),
    );
    const running: Running = { bonjour, browser: undefined, publishCheck: undefined };
    const mdns = (bonjour as unknown as { server?: { mdns?: MulticastDns } }).server?.mdns;
    if (mdns === undefined) {
      // Without the socket we can neither catch its errors nor check its scope: fail safe.
      this.log.error('mdns socket not found in bonjour-service; mdns discovery disabled');
      return running;
    }
    if (!(await waitForScopedSocket(mdns, clock, this.log, MDNS_TIMEOUTS.readyMs))) return running;

    const name = mdnsInstanceName(self);
    const service = bonjour.publish({ name, type: MDNS_SERVICE_TYPE, port: self.port, txt: { ...mdnsTxt(self) }, disableIPv6: true });
    running.publishCheck = clock.setTimeout(() => {
      if (!service.published) this.log.warn({ instance: name }, 'mdns service not published (instance name taken?)');
    }, MDNS_TIMEOUTS.publishCheckMs);
    running.publishCheck.unref?.();

    const browser = bonjour.find({ type: MDNS_SERVICE_TYPE });
    browser.on('up', (s) => this.#consider(s));
    browser.on('txt-update', (s) => this.#consider(s));
    browser.on('srv-update', (s) => this.#consider(s));
    browser.on('down', (s) => this.deletePeer(s.fqdn));
    running.browser = browser;
    this.log.info({ instance: name, scope: socketOptions.interface }, 'mdns discovery started');
    return running;
  }

  #consider(service: Service): void {
    const verdict = judgeService(service, this.#components.self, this.#scope);
    if (!verdict.accept) {
      this.log.debug({ instance: service.name, reason: verdict.reason }, 'mdns service ignored');
      this.deletePeer(service.fqdn);
      return;
    }
    // Same address under another instance: the process there restarted (a SIGKILLed publisher never
    // says goodbye), so the old instance is gone.
    const stale = this.keyOfAddress(verdict.peer.address, service.fqdn);
    if (stale !== undefined) this.deletePeer(stale);
    this.setPeer(service.fqdn, verdict.peer);
  }

  async #close(running: Running): Promise<void> {
    const { bonjour, browser, publishCheck } = running;
    if (publishCheck !== undefined) this.#components.clock.clearTimeout(publishCheck);
    browser?.stop();
    // Goodbye first (TTL 0 records): peers see `down` within milliseconds. destroy() alone says nothing.
    const saidGoodbye = await this.#bounded((done) => bonjour.unpublishAll(done));
    const closed = await this.#bounded((done) => bonjour.destroy(done));
    this.log.info({ saidGoodbye, closed }, 'mdns discovery stopped');
  }

  /** Runs a callback-style step and resolves true when it called back, false after the step timeout. */
  #bounded(step: (done: () => void) => void): Promise<boolean> {
    const { clock } = this.#components;
    return new Promise((resolve) => {
      const timer = clock.setTimeout(() => resolve(false), MDNS_TIMEOUTS.stopStepMs);
      try {
        step(() => {
          clock.clearTimeout(timer);
          resolve(true);
        });
      } catch (err) {
        this.log.warn({ err }, 'mdns stop step failed');
        clock.clearTimeout(timer);
        resolve(false);
      }
    });
  }
}
