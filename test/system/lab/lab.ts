/**
 * The network lab: hosts as network namespaces joined by a bridge that lives in its own "switch"
 * namespace, so the root namespace is never on the lab network.
 *
 * Safety design (docs/system-tests.md):
 * - before anything else, `ip route replace unreachable <subnet>` in the root namespace: nothing can
 *   route a lab address off this machine, and a mistaken connection from the root fails locally;
 * - lab hosts have no default route (checked after setup), so nothing in the lab reaches outside;
 * - every lab process runs through `ip netns exec`; the test process never opens a socket to a lab
 *   address (it talks to a client agent in a lab host over pipes);
 * - cleanup kills by PID, then every process still inside a namespace of the lab's prefix, deletes
 *   the namespaces, `/etc/netns/<ns>` and the guard route: at the end of a run, on SIGINT/SIGTERM,
 *   and at the start of the next run (leftovers of a crashed one).
 */
import { mkdirSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { must, sh, shSync } from './sh.js';
import { LabProcess, type SpawnOptions } from './process.js';

/** Prefix of every namespace and `/etc/netns` entry the lab creates; cleanup goes by it. */
export const LAB_PREFIX = 'pklab-';
/** The lab's private subnet (checked free on this machine: `ip route` shows only 192.0.2.0/24). */
export const LAB_NET = '10.213.0';
export const LAB_SUBNET = `${LAB_NET}.0/24`;
const SWITCH = `${LAB_PREFIX}sw`;
const BRIDGE = 'br0';

/** One lab host: a network namespace with one interface on the lab bridge. */
export interface Host {
  /** Host name, also the UTS host name of the processes started with `uts: true`. */
  name: string;
  /** Namespace name (`pklab-<name>`). */
  ns: string;
  ip: string;
  /** The host's port on the switch (veth peer in the switch namespace). */
  port: string;
  index: number;
}

/** Options of {@link Lab.create}. */
export interface LabOptions {
  /** Address of the lab DNS server, written into each host's resolv.conf (pod-like). */
  dnsIp?: string;
}

/** Thrown when this machine cannot make namespaces: the suite must fail, never pass silently. */
export class LabUnavailableError extends Error {}

let signalHandlersInstalled = false;
const liveLabs = new Set<Lab>();

/** Removes everything a lab with our prefix may have left: processes, namespaces, files, route. */
export function cleanLeftoversSync(): void {
  const list = shSync('ip', ['netns', 'list']).stdout;
  const names = list
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(LAB_PREFIX));
  for (const ns of names) {
    for (const pid of shSync('ip', ['netns', 'pids', ns])
      .stdout.split(/\s+/)
      .filter((p) => /^\d+$/.test(p))) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  for (const ns of names) shSync('ip', ['netns', 'del', ns]);
  try {
    for (const d of readdirSync('/etc/netns'))
      if (d.startsWith(LAB_PREFIX)) rmSync(join('/etc/netns', d), { recursive: true, force: true });
  } catch {
    // no /etc/netns: nothing to remove
  }
  shSync('ip', ['route', 'del', 'unreachable', LAB_SUBNET]);
}

function installSignalHandlers(): void {
  if (signalHandlersInstalled) return;
  signalHandlersInstalled = true;
  const onSignal = (signal: NodeJS.Signals) => {
    for (const lab of liveLabs) lab.destroySync();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // Last resort: a worker exiting with a lab still up (a crashed test) restores the root namespace.
  process.once('exit', () => {
    for (const lab of liveLabs) lab.destroySync();
  });
}

/** A running lab. Create with {@link Lab.create}; always `destroy()` it in a `finally`. */
export class Lab {
  readonly hosts = new Map<string, Host>();
  readonly processes = new Set<LabProcess>();
  readonly #options: LabOptions;
  #next = 10;

  private constructor(options: LabOptions) {
    this.#options = options;
  }

  /** Cleans leftovers, installs the guard route, then builds the switch. */
  static async create(options: LabOptions = {}): Promise<Lab> {
    if (process.platform !== 'linux' || process.getuid?.() !== 0) {
      throw new LabUnavailableError('the system tests need root on Linux to create network namespaces (run as root, e.g. in CI)');
    }
    const probe = await sh('ip', ['netns', 'list']);
    if (probe.code !== 0) throw new LabUnavailableError(`cannot use network namespaces here: ${probe.stderr.trim()}`);
    cleanLeftoversSync();
    installSignalHandlers();
    const lab = new Lab(options);
    liveLabs.add(lab);
    try {
      // The guard comes first: from here on no lab address can leave this machine.
      await must('ip', ['route', 'replace', 'unreachable', LAB_SUBNET]);
      await must('ip', ['netns', 'add', SWITCH]);
      await must('ip', ['-n', SWITCH, 'link', 'set', 'lo', 'up']);
      // No snooping: mDNS multicast must reach every port without IGMP joins being tracked.
      await must('ip', ['-n', SWITCH, 'link', 'add', BRIDGE, 'type', 'bridge', 'mcast_snooping', '0']);
      await must('ip', ['-n', SWITCH, 'link', 'set', BRIDGE, 'up']);
      const route = await sh('ip', ['route', 'get', `${LAB_NET}.10`]);
      if (route.code === 0 && !/unreachable/.test(route.stdout))
        throw new Error(`guard route not in force: ${route.stdout}${route.stderr}`);
    } catch (err) {
      lab.destroySync();
      if (err instanceof Error && /Operation not permitted|Permission denied/.test(err.message)) throw new LabUnavailableError(err.message);
      throw err;
    }
    return lab;
  }

  /** Adds a host with the next free address; `ip` may be forced (e.g. a well-known DNS address). */
  async addHost(name: string, ip?: string): Promise<Host> {
    if (this.hosts.has(name)) throw new Error(`lab host ${name} exists`);
    const index = ip === undefined ? this.#next++ : Number(ip.split('.')[3]);
    const host: Host = { name, ns: `${LAB_PREFIX}${name}`, ip: ip ?? `${LAB_NET}.${index}`, port: `p${index}`, index };
    const { ns, port } = host;
    await must('ip', ['netns', 'add', ns]);
    this.hosts.set(name, host);
    await must('ip', ['link', 'add', 'eth0', 'netns', ns, 'type', 'veth', 'peer', 'name', port, 'netns', SWITCH]);
    await must('ip', ['-n', SWITCH, 'link', 'set', port, 'master', BRIDGE, 'up']);
    await must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    await must('ip', ['-n', ns, 'addr', 'add', `${host.ip}/24`, 'dev', 'eth0']);
    await must('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
    // mDNS fails silently without a multicast route on the interface.
    await must('ip', ['-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', 'eth0']);
    const escape = await sh('ip', ['-n', ns, 'route', 'get', '1.1.1.1']);
    if (escape.code === 0) throw new Error(`lab host ${name} has a route out of the lab: ${escape.stdout}`);
    if (this.#options.dnsIp !== undefined) {
      // Pod-like resolver config, bind-mounted over /etc/resolv.conf by `ip netns exec`.
      mkdirSync(`/etc/netns/${ns}`, { recursive: true });
      writeFileSync(
        `/etc/netns/${ns}/resolv.conf`,
        `nameserver ${this.#options.dnsIp}\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5 timeout:1 attempts:2\n`,
      );
    }
    return host;
  }

  host(name: string): Host {
    const h = this.hosts.get(name);
    if (h === undefined) throw new Error(`no lab host ${name}`);
    return h;
  }

  /** Starts `argv` inside the host (through `ip netns exec`, with its own UTS name when asked). */
  spawn(host: Host, argv: string[], options: SpawnOptions = {}): LabProcess {
    const proc = LabProcess.start(host, argv, options);
    this.processes.add(proc);
    void proc.exited.then(() => this.processes.delete(proc));
    return proc;
  }

  /** Sets the host's switch port down or up (a host crash cuts it before killing). */
  async setPort(host: Host, up: boolean): Promise<void> {
    await must('ip', ['-n', SWITCH, 'link', 'set', host.port, up ? 'up' : 'down']);
  }

  /** Runs a command in the switch namespace (faults are installed there). */
  inSwitch(args: string[], input?: string): Promise<string> {
    if (input === undefined) return must('ip', ['netns', 'exec', SWITCH, ...args]);
    const file = join('/tmp', `${LAB_PREFIX}${process.pid}-${Date.now()}.nft`);
    writeFileSync(file, input);
    return must('ip', ['netns', 'exec', SWITCH, ...args, file]).finally(() => rmSync(file, { force: true }));
  }

  /** Kills every lab process and awaits its exit, then removes the namespaces and the guard. */
  async destroy(): Promise<void> {
    await Promise.all([...this.processes].map((p) => p.kill('SIGKILL')));
    this.destroySync();
  }

  /** Synchronous cleanup (signal and exit handlers): by PID, then by prefix; restores the root. */
  destroySync(): void {
    for (const p of this.processes) p.killSync();
    cleanLeftoversSync();
    liveLabs.delete(this);
  }
}
