/**
 * Real `parking start` processes on loopback for the benchmarks: spawn, wait for the ready line, wire
 * a static cluster, wait until every node sees every other alive and ready, and always reap. Every
 * wait is bounded. Nodes run with the shipped defaults (config/default.yaml) unless a scenario says
 * otherwise, so the figures are those of a node as deployed, not of a tuned one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApiClient, type ApiClient } from '../../src/api/client.js';

/** The repository root (dist/bench/lib -> ../../..). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const BIN = join(ROOT, 'dist', 'src', 'cli', 'bin.js');

export interface BenchNode {
  name: string;
  url: string;
  host: string;
  pid: number;
  child: ChildProcess;
  client: ApiClient;
  exited: Promise<number | null>;
  output(): string;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

const running = new Set<BenchNode>();

/** The environment of a node: ours without PARKING_* and NODE_ENV, pinned to the development preset. */
function nodeEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PARKING_') && k !== 'NODE_ENV') env[k] = v;
  return { ...env, PARKING_ENV: 'development', PARKING_LOG_FORMAT: 'json', PARKING_LOG_LEVEL: 'warn', ...extra };
}

export interface StartOptions {
  name: string;
  peers?: string[];
  spaces?: number;
  gates?: number;
  env?: Record<string, string>;
  readyTimeoutMs?: number;
}

/** Starts one node on a free loopback port and waits for its ready line. */
export async function startNode(options: StartOptions): Promise<BenchNode> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build (npm run bench does)`);
  const peers = options.peers ?? [];
  const args = [
    BIN,
    'start',
    '--no-repl',
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--name',
    options.name,
    '--discovery',
    peers.length === 0 ? 'none' : 'static',
    ...(peers.length === 0 ? [] : ['--peers', peers.join(',')]),
    '--spaces',
    String(options.spaces ?? 1_000_000),
    '--gates',
    String(options.gates ?? 4),
  ];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: nodeEnv(options.env ?? {}), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: string): void => {
    // Keep the tail only: a node that logs a lot must not grow the bench's memory.
    out = (out + d).slice(-20_000);
  };
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? (signal === null ? null : -1))),
  );
  const timeoutMs = options.readyTimeoutMs ?? 20_000;
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node ${options.name} not ready in ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const check = (): void => {
      const m = /parking node (\S+) ready at (http:\/\/\S+)/.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        child.stdout.off('data', check);
        resolve(m);
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`node ${options.name} exited with ${code} before ready:\n${out}`));
    });
  });
  const url = match[2]!;
  const node: BenchNode = {
    name: match[1]!,
    url,
    host: new URL(url).host,
    pid: child.pid!,
    child,
    client: createApiClient(url, { timeoutMs: 30_000 }),
    exited,
    output: () => out,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  running.add(node);
  void exited.then(() => {
    node.client.close();
    running.delete(node);
  });
  return node;
}

/** Polls `check` every `everyMs` until it holds; throws after `timeoutMs`. */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string, everyMs = 20): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // Not yet (a node still starting): try again until the deadline.
    }
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Every node sees every other alive, and is ready (caught up with its peers). */
export async function waitMeshed(nodes: BenchNode[], timeoutMs = 20_000): Promise<void> {
  await waitFor(
    async () => {
      for (const node of nodes) {
        const view = await node.client.cluster();
        const alive = new Set(view.members.filter((m) => m.status === 'alive').map((m) => m.name));
        if (!nodes.every((n) => alive.has(n.name))) return false;
        if (!(await node.client.ready()).ready) return false;
      }
      return true;
    },
    timeoutMs,
    'a full mesh',
  );
}

/** Starts `n` nodes with static peers (each knows the ones before it) and waits for the mesh. */
export async function startCluster(
  n: number,
  options: Omit<StartOptions, 'name' | 'peers'> & { prefix?: string } = {},
): Promise<BenchNode[]> {
  const nodes: BenchNode[] = [];
  for (let i = 1; i <= n; i++) {
    nodes.push(await startNode({ ...options, name: `${options.prefix ?? 'b'}${i}`, peers: nodes.map((x) => x.host) }));
  }
  await waitMeshed(nodes);
  return nodes;
}

/** Stops nodes: SIGTERM, then SIGKILL after 5 s. */
export async function stopAll(nodes: BenchNode[] = [...running]): Promise<void> {
  await Promise.all(
    nodes.map(async (node) => {
      const timer = setTimeout(() => void node.kill('SIGKILL'), 5000);
      await node.kill('SIGTERM');
      clearTimeout(timer);
    }),
  );
}

/** Kills every node still running (exit path of the runner). */
export function killAllNow(): void {
  for (const node of running) {
    try {
      node.child.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** User + system CPU seconds of a process so far, from /proc/<pid>/stat (Linux). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / CLOCK_TICKS;
}

/** USER_HZ: 100 on every Linux this runs on (sysconf(_SC_CLK_TCK)). */
const CLOCK_TICKS = 100;
