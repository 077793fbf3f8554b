/**
 * avahi (Debian's avahi-daemon, an independent mDNS implementation) in a lab host, without systemd:
 * the host gets a private system dbus-daemon, with a tmpfs over /run (for /run/dbus and
 * /run/avahi-daemon) in the mount namespace that `ip netns exec` creates (nothing of the root's /run is touched). avahi-browse
 * and avahi-publish run in the daemon's mount namespace (`nsenter -m`), inside the same lab host.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Host, Lab } from './lab.js';
import type { LabProcess } from './process.js';
import { sh } from './sh.js';

/** One service avahi-browse resolved (`-p` parsable output, `=` lines). */
export interface AvahiService {
  name: string;
  type: string;
  address: string;
  port: number;
  txt: Record<string, string>;
}

/** A running avahi-daemon with its private dbus-daemon. */
export class Avahi {
  readonly host: Host;
  readonly #lab: Lab;
  readonly #proc: LabProcess;
  readonly #dbusPidFile: string;

  private constructor(lab: Lab, host: Host, proc: LabProcess, dbusPidFile: string) {
    this.#lab = lab;
    this.host = host;
    this.#proc = proc;
    this.#dbusPidFile = dbusPidFile;
  }

  /** Starts dbus-daemon and avahi-daemon in `host`; resolves once avahi has a host name on eth0. */
  static async start(lab: Lab, host: Host, workDir: string, logFile: string): Promise<Avahi> {
    const conf = join(workDir, 'avahi-daemon.conf');
    writeFileSync(
      conf,
      `[server]\nhost-name=${host.name}\nuse-ipv4=yes\nuse-ipv6=no\nallow-interfaces=eth0\nenable-dbus=yes\nratelimit-interval-usec=0\n` +
        '[wide-area]\nenable-wide-area=no\n[publish]\npublish-hinfo=no\npublish-workstation=no\n[reflector]\nenable-reflector=no\n',
    );
    const dbusPidFile = join(workDir, 'dbus.pid');
    // The dbus-daemon forks: it writes its PID so that it is killed by PID, not by name.
    const script = [
      'set -e',
      // A private /run for this mount namespace: creating /run/avahi-daemon in the shared /run would
      // change the root namespace's file system.
      'mount -t tmpfs tmpfs /run',
      'mkdir -p /run/dbus /run/avahi-daemon',
      `dbus-daemon --system --fork --print-pid > ${dbusPidFile}`,
      `exec avahi-daemon --no-drop-root --no-chroot --no-rlimits -f ${conf}`,
    ].join('\n');
    const proc = lab.spawn(host, ['sh', '-c', script], { logFile });
    const started = Date.now();
    while (!/Server startup complete/.test(proc.stderr + proc.stdout)) {
      if (!proc.running) throw new Error(`avahi-daemon exited:\n${proc.stderr}`);
      if (Date.now() - started > 10_000) throw new Error(`avahi-daemon did not start in 10 s:\n${proc.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return new Avahi(lab, host, proc, dbusPidFile);
  }

  #inDaemonNs(argv: string[]): string[] {
    return ['ip', 'netns', 'exec', this.host.ns, 'nsenter', '-t', String(this.#proc.pid), '-m', ...argv];
  }

  /** Browses `type` once (cache plus what arrives within avahi-browse's own bound) and resolves. */
  async browse(type: string): Promise<AvahiService[]> {
    const [cmd, ...args] = this.#inDaemonNs(['avahi-browse', '-r', '-t', '-p', '-k', type]);
    const r = await sh(cmd!, args, 10_000);
    return r.stdout
      .split('\n')
      .filter((l) => l.startsWith('=;'))
      .map((l) => parseResolved(l))
      .filter((s): s is AvahiService => s !== undefined);
  }

  /** Publishes a service through avahi (a process that lives until stopped). */
  publish(name: string, type: string, port: number, txt: string[]): LabProcess {
    const argv = this.#inDaemonNs(['avahi-publish', '-s', name, type, String(port), ...txt]).slice(4);
    return this.#lab.spawn(this.host, argv);
  }

  /** Stops avahi-daemon and its dbus-daemon, by PID. */
  async stop(): Promise<void> {
    await this.#proc.kill('SIGTERM');
    try {
      process.kill(Number(readFileSync(this.#dbusPidFile, 'utf8').trim()), 'SIGKILL');
    } catch {
      // already gone, or never started: the lab's cleanup by prefix catches the rest
    }
  }
}

/** Parses `=;eth0;IPv4;name;type;domain;host;address;port;"k=v" "k=v"` (names \-escaped). */
export function parseResolved(line: string): AvahiService | undefined {
  const f = line.split(';');
  if (f.length < 10) return undefined;
  const unescape = (s: string) => s.replace(/\\(\d{3})/g, (_, d: string) => String.fromCharCode(Number(d))).replace(/\\(.)/g, '$1');
  const txt: Record<string, string> = {};
  for (const m of f
    .slice(9)
    .join(';')
    .matchAll(/"((?:[^"\\]|\\.)*)"/g)) {
    const kv = unescape(m[1]!);
    const eq = kv.indexOf('=');
    if (eq > 0) txt[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return { name: unescape(f[3]!), type: f[4]!, address: f[7]!, port: Number(f[8]), txt };
}
