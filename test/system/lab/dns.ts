/**
 * The cluster DNS, kube-dns style: dnsmasq in a lab host, authoritative for cluster.local. The
 * headless-service name has one A record per live pod (one file per pod in `--hostsdir`, applied on
 * change without a signal) and SRV records `_peer._tcp.<service>` (config-only in dnsmasq: changing
 * them restarts it, ~0.1 s).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Host, Lab } from './lab.js';
import type { LabProcess } from './process.js';

export const SERVICE = 'parking-headless.default.svc.cluster.local';
export const SRV_NAME = `_peer._tcp.${SERVICE}`;

/** A dnsmasq serving the lab's cluster.local zone. */
export class ClusterDns {
  readonly host: Host;
  readonly #lab: Lab;
  readonly #dir: string;
  #proc: LabProcess | undefined;
  #pods = new Map<string, { ip: string; port: number }>();

  constructor(lab: Lab, host: Host, workDir: string) {
    this.#lab = lab;
    this.host = host;
    this.#dir = join(workDir, 'dns');
    rmSync(this.#dir, { recursive: true, force: true });
    mkdirSync(join(this.#dir, 'hosts'), { recursive: true });
  }

  #restarts: Promise<void> = Promise.resolve();

  /** Starts (or restarts) dnsmasq with the current SRV records; waits until it listens. */
  start(): Promise<void> {
    // Restarts are serialized: two at once would race for the listening socket.
    const next = this.#restarts.then(() => this.#start());
    this.#restarts = next.catch(() => undefined);
    return next;
  }

  async #start(): Promise<void> {
    if (this.#proc !== undefined) await this.#proc.kill('SIGTERM');
    const srv = [...this.#pods].map(([name, p]) => `srv-host=${SRV_NAME},${name}.${SERVICE},${p.port},0,10`);
    const conf = join(this.#dir, 'dnsmasq.conf');
    writeFileSync(
      conf,
      [
        'no-resolv',
        'no-hosts',
        'no-daemon',
        'bind-interfaces',
        `listen-address=${this.host.ip}`,
        'except-interface=lo',
        'local=/cluster.local/',
        // Short TTL, like kube-dns's 5 s, and no negative caching anywhere.
        'local-ttl=5',
        'no-negcache',
        `hostsdir=${join(this.#dir, 'hosts')}`,
        'log-facility=-',
        'pid-file=',
        'user=root',
        ...srv,
        '',
      ].join('\n'),
    );
    this.#proc = this.#lab.spawn(this.host, ['dnsmasq', `--conf-file=${conf}`]);
    // dnsmasq logs "started, version" once its sockets are bound (bounded wait).
    const started = Date.now();
    while (!/started, version/.test(this.#proc.stderr) && Date.now() - started < 5000) {
      if (!this.#proc.running) throw new Error(`dnsmasq exited: ${this.#proc.stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    if (!/started, version/.test(this.#proc.stderr)) throw new Error(`dnsmasq did not start: ${this.#proc.stderr}`);
  }

  /** Adds a pod's A record (at run time) and, when `withSrv`, its SRV record (restart). */
  async addPod(name: string, ip: string, port: number, withSrv = false): Promise<void> {
    this.#pods.set(name, { ip, port });
    const dashed = ip.replaceAll('.', '-');
    writeFileSync(join(this.#dir, 'hosts', name), `${ip} ${SERVICE} ${dashed}.${SERVICE} ${name}.${SERVICE}\n`);
    if (withSrv) await this.start();
  }

  /** Removes a pod's records (A at run time; SRV by a restart when `withSrv`). */
  async removePod(name: string, withSrv = false): Promise<void> {
    this.#pods.delete(name);
    rmSync(join(this.#dir, 'hosts', name), { force: true });
    if (withSrv) await this.start();
  }

  async stop(): Promise<void> {
    await this.#proc?.kill('SIGTERM');
  }
}
