/**
 * Real `parking` processes on loopback for cluster tests: spawn `node dist/src/cli/bin.js start`,
 * wait for its ready line, talk to it with the real CLI or the HTTP client, kill it the way a test
 * needs (SIGKILL, SIGTERM), and always reap it. `npm test` builds dist/ first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { createApiClient, type ApiClient } from '../../src/api/client.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(ROOT, 'dist', 'src', 'cli', 'bin.js');

/** Short failure detection so fault tests finish quickly (production defaults are documented). */
export const FAST_FLAGS = ['--log-level', 'info'];
export const FAST_ENV = {
  PARKING_HEARTBEAT_INTERVAL_MS: '100',
  PARKING_SUSPECT_TIMEOUT_MS: '400',
  PARKING_FAILURE_TIMEOUT_MS: '800',
  PARKING_ANTI_ENTROPY_INTERVAL_MS: '1000',
  PARKING_COMMAND_DEADLINE_MS: '8000',
};

export interface NodeProcess {
  name: string;
  url: string;
  host: string;
  child: ChildProcess;
  client: ApiClient;
  stderr: () => string;
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

const all = new Set<NodeProcess>();

export async function startProcess(args: string[], env: Record<string, string> = {}, readyTimeoutMs = 20_000): Promise<NodeProcess> {
  const child = spawn(process.execPath, [BIN, 'start', '--no-repl', ...args], {
    env: { ...process.env, PARKING_ENV: 'development', ...FAST_ENV, ...env, PARKING_LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal === null ? null : -1))));
  const ready = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node not ready in ${readyTimeoutMs} ms:\n${out}\n${err}`)), readyTimeoutMs);
    const check = () => {
      const match = /parking node (\S+) ready at (http:\/\/\S+)/.exec(out);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match);
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`node exited with ${code} before ready:\n${out}\n${err}`));
    });
    check();
  });
  const url = ready[2]!;
  const node: NodeProcess = {
    name: ready[1]!,
    url,
    host: new URL(url).host,
    child,
    client: createApiClient(url, { timeoutMs: 15_000 }),
    stderr: () => err,
    exited,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  all.add(node);
  void exited.then(() => node.client.close());
  return node;
}

/** Reaps every process a test started (afterEach). */
export async function killAll(): Promise<void> {
  await Promise.all([...all].map((n) => n.kill('SIGKILL')));
  all.clear();
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI as a child process. */
export function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : 99;
      resolve({ code, stdout, stderr });
    });
  });
}
