/**
 * The `parking` executable as a real process, for CLI integration tests: start a node and wait for
 * its ready line, run one CLI command to completion, or drive a process through its stdin. Runs the
 * build output (dist/), which `npm test` builds first. Every wait is bounded, and every failure
 * message carries what the process wrote.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(ROOT, 'dist', 'src', 'cli', 'bin.js');

/** The exact line `parking start` prints once it listens (docs/cli.md). */
export const READY_LINE = /^parking node (\S+) ready at (https?:\/\/\S+)$/m;

/**
 * Environment for child processes: pinned to the development defaults, without the PARKING_*
 * settings of whoever runs the tests, and with JSON logs (stable, no colours).
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('PARKING_') && key !== 'NODE_ENV') env[key] = value;
  return { ...env, PARKING_ENV: 'development', PARKING_LOG_FORMAT: 'json', PARKING_HISTORY: '', ...extra };
}

/** A running process with its output collected as it arrives. */
export interface Running {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code; 128 + n when signal n killed it, as a shell reports it. */
  exited: Promise<number>;
  /** Resolves once stdout matches `pattern`; rejects on exit or after `timeoutMs`, with the output. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Sends `signal` (if still running) and resolves with the exit code. */
  kill(signal?: NodeJS.Signals): Promise<number>;
  /** Both streams, for failure messages. */
  describe(): string;
}

const SIGNALS: Record<string, number> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
const running = new Set<Running>();

/** Spawns `node <args>` (or any command with `command`) with piped stdio. */
export function spawnProcess(args: string[], options: { env?: Record<string, string>; command?: string } = {}): Running {
  if (options.command === undefined && !existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build (npm test does)`);
  const child = spawn(options.command ?? process.execPath, args, {
    cwd: ROOT,
    env: childEnv(options.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? 128 + (SIGNALS[signal ?? ''] ?? 0))),
  );
  const proc: Running = {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    describe: () => `--- stdout ---\n${out}\n--- stderr ---\n${err}`,
    waitFor: (pattern, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`no ${pattern} within ${timeoutMs} ms\n${proc.describe()}`)), timeoutMs);
        const check = (): void => {
          const match = pattern.exec(out);
          if (match !== null) finish(undefined, match);
        };
        const finish = (error?: Error, match?: RegExpExecArray): void => {
          clearTimeout(timer);
          child.stdout.off('data', check);
          if (error !== undefined) reject(error);
          else resolve(match!);
        };
        child.stdout.on('data', check);
        void exited.then((code) => finish(new Error(`exited with ${code} before ${pattern}\n${proc.describe()}`)));
        check();
      }),
    kill: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  running.add(proc);
  void exited.then(() => running.delete(proc));
  return proc;
}

/** A node started with `parking start --no-repl`, ready. */
export interface NodeProcess extends Running {
  name: string;
  url: string;
}

/** Starts `parking start --no-repl <args>` and waits for the ready line. */
export async function startNode(args: string[], env: Record<string, string> = {}): Promise<NodeProcess> {
  const proc = spawnProcess([BIN, 'start', '--no-repl', ...args], { env });
  const match = await proc.waitFor(READY_LINE);
  return { ...proc, name: match[1]!, url: match[2]! };
}

/** What one CLI run printed and how it ended. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `parking <args>` to completion (bounded), optionally feeding `input` on stdin. */
export function runCli(
  args: string[],
  options: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: ROOT, env: childEnv(options.env), timeout: options.timeoutMs ?? 20_000 },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== 'number') {
          reject(new Error(`parking ${args.join(' ')}: ${error.message}\n${stdout}\n${stderr}`));
          return;
        }
        resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr });
      },
    );
    child.stdin!.end(options.input ?? '');
  });
}

/** Kills whatever a test left running (afterAll/afterEach). */
export async function killAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.kill('SIGKILL')));
}
