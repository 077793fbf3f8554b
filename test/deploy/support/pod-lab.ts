/**
 * Containers as Kubernetes pods in a network lab (the safety rules of docs/system-tests.md):
 * - first of all `ip route replace unreachable 10.214.0.0/24` in the root namespace, so a mistaken
 *   connection from the root namespace fails locally instead of leaving the machine;
 * - the bridge lives in a "switch" namespace; the root namespace is never on the lab network, and
 *   the test talks to the nodes only through `docker exec` (inside the pods' namespaces);
 * - lab namespaces get no default route (checked for every pod);
 * - everything is named by the prefix `pkdep-` and removed at the end and before each run.
 * A pod is a "pause" container with `--network none` whose namespace gets a veth on the bridge;
 * the app container joins it (`--network container:`), as in a kubelet. dnsmasq in its own
 * namespace plays the cluster DNS: one hosts file per pod for the headless service, like the
 * endpoints of a Service with publishNotReadyAddresses.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { docker, mustDocker } from './dockerd.js';
import { must, sh, trySync } from './sh.js';

export const PREFIX = 'pkdep-';
const NET = '10.214.0';
const SUBNET = `${NET}.0/24`;
const SWITCH = `${PREFIX}sw`;
const DNS_NS = `${PREFIX}dns`;
export const DNS_IP = `${NET}.2`;
const DIR = '/tmp/pkdep-lab';
const HOSTS_DIR = join(DIR, 'hosts');

/** Removes whatever a lab with our prefix left: namespaces (and their processes), files, route. */
export function cleanLabLeftovers(): void {
  const names = trySync('ip', ['netns', 'list'])
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(PREFIX));
  for (const ns of names) {
    for (const pid of trySync('ip', ['netns', 'pids', ns])
      .split(/\s+/)
      .filter((p) => /^\d+$/.test(p)))
      trySync('kill', ['-9', pid]);
    trySync('ip', ['netns', 'delete', ns]);
  }
  rmSync(DIR, { recursive: true, force: true });
  trySync('ip', ['route', 'del', 'unreachable', SUBNET]);
}

/** A pod of the lab: its namespace, address and pause container. */
export interface Pod {
  name: string;
  ip: string;
  ns: string;
  pause: string;
  app: string;
  resolvConf: string;
}

export class PodLab {
  readonly pods = new Map<string, Pod>();
  private dnsmasq: ChildProcess | undefined;
  private dnsmasqLog = '';
  private nextIndex = 10;

  private constructor(private readonly pauseImage: string) {}

  /** Sets up the guard route, the switch and the DNS host, and starts dnsmasq. */
  static async create(pauseImage: string): Promise<PodLab> {
    cleanLabLeftovers();
    // Safety first: before any lab address exists, the root namespace cannot route to the subnet.
    await must('ip', ['route', 'replace', 'unreachable', SUBNET]);
    const lab = new PodLab(pauseImage);
    await must('ip', ['netns', 'add', SWITCH]);
    await must('ip', ['-n', SWITCH, 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0']);
    await must('ip', ['-n', SWITCH, 'link', 'set', 'br0', 'up']);
    await must('ip', ['netns', 'add', DNS_NS]);
    await lab.plug(DNS_NS, DNS_IP, 'p2');
    mkdirSync(HOSTS_DIR, { recursive: true, mode: 0o755 });
    lab.dnsmasq = spawn(
      'ip',
      [
        'netns',
        'exec',
        DNS_NS,
        'dnsmasq',
        '--keep-in-foreground',
        '--log-facility=-',
        '--conf-file=/dev/null',
        '--no-resolv',
        '--no-hosts',
        '--bind-interfaces',
        `--listen-address=${DNS_IP}`,
        '--local=/cluster.local/',
        '--local-ttl=1',
        `--hostsdir=${HOSTS_DIR}`,
        '--pid-file=',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    for (const s of [lab.dnsmasq.stdout!, lab.dnsmasq.stderr!]) s.setEncoding('utf8').on('data', (d: string) => (lab.dnsmasqLog += d));
    return lab;
  }

  /** A veth from namespace `ns` (by name, or a PID) to the switch, with `ip`, no default route. */
  private async plug(ns: string, ip: string, port: string, nsPid?: number): Promise<void> {
    await must('ip', [
      'link',
      'add',
      'eth0',
      'netns',
      nsPid === undefined ? ns : String(nsPid),
      'type',
      'veth',
      'peer',
      'name',
      port,
      'netns',
      SWITCH,
    ]);
    await must('ip', ['-n', SWITCH, 'link', 'set', port, 'master', 'br0', 'up']);
    await must('ip', ['-n', ns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
    await must('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
    await must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    const route = await sh('ip', ['-n', ns, 'route', 'get', '1.1.1.1']);
    if (route.code === 0) throw new Error(`lab namespace ${ns} has a route out: ${route.stdout}`);
  }

  /** Creates a pod sandbox: the pause container, its address, and a pod-like resolv.conf. */
  async addPod(name: string): Promise<Pod> {
    const index = this.nextIndex++;
    const ip = `${NET}.${index}`;
    const pause = `${PREFIX}pause-${name}`;
    await mustDocker([
      'run',
      '-d',
      '--name',
      pause,
      '--hostname',
      name,
      '--network',
      'none',
      '--entrypoint',
      'tini',
      this.pauseImage,
      '--',
      'sleep',
      'infinity',
    ]);
    const pid = Number((await mustDocker(['inspect', '-f', '{{.State.Pid}}', pause])).trim());
    const ns = `${PREFIX}${name}`;
    await must('ip', ['netns', 'attach', ns, String(pid)]);
    await this.plug(ns, ip, `p${index}`, pid);
    const resolvConf = join(DIR, `${name}.resolv.conf`);
    writeFileSync(resolvConf, `nameserver ${DNS_IP}\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n`, {
      mode: 0o644,
    });
    const pod: Pod = { name, ip, ns, pause, app: `${PREFIX}${name}`, resolvConf };
    this.pods.set(name, pod);
    return pod;
  }

  /** Publishes the pod in the headless service (and its own dashed-IP name), as endpoints do. */
  publish(pod: Pod, service: string): void {
    const dashed = pod.ip.replace(/\./g, '-');
    writeFileSync(join(HOSTS_DIR, pod.name), `${pod.ip} ${service} ${dashed}.${service}\n`, { mode: 0o644 });
  }

  /** Takes the pod out of the service's DNS answers. */
  unpublish(pod: Pod): void {
    rmSync(join(HOSTS_DIR, pod.name), { force: true });
  }

  /** Names in the DNS now (for failure messages). */
  published(): string[] {
    return readdirSync(HOSTS_DIR);
  }

  /** dnsmasq's output so far (failure messages). */
  dnsLog(): string {
    return this.dnsmasqLog;
  }

  /** Removes the containers, namespaces, dnsmasq, files and the guard route. */
  async close(): Promise<void> {
    const containers = [...this.pods.values()].flatMap((p) => [p.app, p.pause]);
    if (containers.length > 0) await docker(['rm', '-f', ...containers]);
    if (this.dnsmasq !== undefined && this.dnsmasq.exitCode === null) {
      const exited = new Promise((r) => this.dnsmasq!.once('exit', r));
      this.dnsmasq.kill('SIGKILL');
      await exited;
    }
    cleanLabLeftovers();
  }
}
