/**
 * A private Docker engine for the deploy tests. dockerd runs with its own data and exec roots,
 * pidfile and socket, and with no bridge, iptables, forwarding or masquerading, so it changes
 * nothing in the host's network (Debian's docker.io 20.10 with `--bridge=none --iptables=false
 * --ip6tables=false --ip-forward=false --ip-masq=false`: checked on this machine, December 2026).
 * Everything it owns lives under {@link RUN_DIR}; {@link cleanDockerLeftovers} removes what a crashed
 * run left there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { must, sh, trySync, waitFor, type ShResult } from './sh.js';

/** Runtime state of the engine (not a cache: removed after every run). */
export const RUN_DIR = '/tmp/pkdep-run';
const SOCKET = `unix://${RUN_DIR}/docker.sock`;
const PIDFILE = join(RUN_DIR, 'dockerd.pid');
// Debian's 20.10 CLI, matching the engine, when present (another `docker` may come first on PATH).
const CLI = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';

/** The environment for the docker CLI: our socket, a private config dir, the classic builder. */
const ENV = { ...process.env, DOCKER_HOST: SOCKET, DOCKER_CONFIG: join(RUN_DIR, 'cli'), DOCKER_BUILDKIT: '0' };

/** Runs `docker <args>` against the private engine. */
export function docker(args: string[], options: { timeoutMs?: number; input?: string } = {}): Promise<ShResult> {
  return sh(CLI, args, { ...options, env: ENV });
}

/** Like {@link docker} but throws on failure and returns stdout. */
export function mustDocker(args: string[], options: { timeoutMs?: number; input?: string } = {}): Promise<string> {
  return must(CLI, args, { ...options, env: ENV });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Kills a dockerd left by an earlier run (by its pidfile) and unmounts and removes its files. */
export function cleanDockerLeftovers(): void {
  if (existsSync(PIDFILE)) {
    const pid = Number(readFileSync(PIDFILE, 'utf8').trim());
    // Only if it is ours: its command line names our run directory.
    if (pid > 0 && trySync('cat', [`/proc/${pid}/cmdline`]).includes(RUN_DIR)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
  // containerd and the shims of our containers outlive a killed dockerd (they name our directory),
  // and the containers' processes outlive a killed shim: kill each such tree, leaves first.
  const procs = trySync('ps', ['-eo', 'pid=,ppid=,args='])
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l))
    .filter((m) => m !== null);
  const ours = procs.filter((m) => m[3]!.includes(`${RUN_DIR}/`) && Number(m[1]) !== process.pid).map((m) => m[1]!);
  const tree = (pid: string): string[] => [...procs.filter((m) => m[2] === pid).flatMap((m) => tree(m[1]!)), pid];
  for (const pid of new Set(ours.flatMap(tree))) trySync('kill', ['-9', pid]);
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((p) => p.startsWith(`${RUN_DIR}/`));
  for (const path of mounts.reverse()) trySync('umount', ['-l', path]);
  rmSync(RUN_DIR, { recursive: true, force: true });
}

/** The running engine; `stop()` ends it and removes its files. */
export interface Dockerd {
  child: ChildProcess;
  log: () => string;
  stop(): Promise<void>;
}

/** Starts dockerd and waits until it answers. */
export async function startDockerd(): Promise<Dockerd> {
  cleanDockerLeftovers();
  mkdirSync(join(RUN_DIR, 'cli'), { recursive: true });
  const logFile = join(RUN_DIR, 'dockerd.log');
  const out = openSync(logFile, 'a');
  const child = spawn(
    'dockerd',
    [
      '--data-root',
      join(RUN_DIR, 'data'),
      '--exec-root',
      join(RUN_DIR, 'exec'),
      '--pidfile',
      PIDFILE,
      '--host',
      SOCKET,
      '--bridge=none',
      '--iptables=false',
      '--ip6tables=false',
      '--ip-forward=false',
      '--ip-masq=false',
    ],
    { stdio: ['ignore', out, out] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  await waitFor(
    'dockerd to answer',
    async () => {
      if (child.exitCode !== null) throw new Error(`dockerd exited ${child.exitCode}:\n${log().slice(-2000)}`);
      return (await docker(['version', '--format', '{{.Server.Version}}'])).code === 0 ? true : undefined;
    },
    30_000,
    100,
  );
  return {
    child,
    log,
    async stop() {
      if (pidAlive(child.pid!)) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000).unref())]);
        if (pidAlive(child.pid!)) child.kill('SIGKILL');
        await exited;
      }
      cleanDockerLeftovers();
    },
  };
}

export { must };
