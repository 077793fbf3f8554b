/**
 * A process inside a lab host. Always started through `ip netns exec` (which execs, so the child's
 * PID is the real process), kept as a child of the test so that it is reaped at once, and killed by
 * PID. Output is kept in memory and, when asked, appended to a log file for the evidence.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Host } from './lab.js';

/** Options of a lab process. */
export interface SpawnOptions {
  env?: Record<string, string>;
  /** Give the process its own UTS namespace with the host's name (`unshare --uts`). */
  uts?: boolean;
  /** Append stdout and stderr to this file too. */
  logFile?: string;
  /** Keep stdin as a pipe (the client agent reads commands from it). */
  stdin?: boolean;
}

/** Bound on the output kept in memory per stream; older text is dropped. */
const KEEP_CHARS = 4 * 1024 * 1024;

/** A running (or finished) lab process. */
export class LabProcess {
  readonly host: Host;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<number | null>;
  #out = '';
  #err = '';
  #log: WriteStream | undefined;
  #listeners = new Set<() => void>();

  private constructor(host: Host, child: ChildProcess, logFile: string | undefined) {
    this.host = host;
    this.child = child;
    if (child.pid === undefined) throw new Error(`could not start a process in ${host.ns}`);
    this.pid = child.pid;
    this.#log = logFile === undefined ? undefined : createWriteStream(logFile, { flags: 'a' });
    child.stdout!.setEncoding('utf8').on('data', (d: string) => this.#append('out', d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => this.#append('err', d));
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.#log?.end();
        resolve(code ?? (signal === null ? null : -1));
      }),
    );
  }

  /** Starts `argv` in the host's namespace. */
  static start(host: Host, argv: string[], options: SpawnOptions): LabProcess {
    const inner = options.uts === true ? ['unshare', '--uts', 'sh', '-c', 'hostname "$0" && exec "$@"', host.name, ...argv] : argv;
    const child = spawn('ip', ['netns', 'exec', host.ns, ...inner], {
      env: { ...process.env, ...options.env },
      stdio: [options.stdin === true ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    return new LabProcess(host, child, options.logFile);
  }

  #append(stream: 'out' | 'err', text: string): void {
    if (stream === 'out') this.#out = (this.#out + text).slice(-KEEP_CHARS);
    else this.#err = (this.#err + text).slice(-KEEP_CHARS);
    this.#log?.write(text);
    for (const l of this.#listeners) l();
  }

  get stdout(): string {
    return this.#out;
  }

  get stderr(): string {
    return this.#err;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the first match of `re` on stdout, or rejects on exit or after `timeoutMs`. */
  waitForOutput(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.#listeners.delete(check);
      };
      const check = () => {
        const m = re.exec(this.#out);
        if (m !== null) {
          done();
          resolve(m);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${re} from ${this.host.name} in ${timeoutMs} ms:\n${this.#out.slice(-2000)}\n${this.#err.slice(-4000)}`));
      }, timeoutMs);
      this.#listeners.add(check);
      void this.exited.then((code) => {
        if (!this.#listeners.has(check)) return;
        done();
        reject(
          new Error(`process in ${this.host.name} exited (${code}) before ${re}:\n${this.#out.slice(-2000)}\n${this.#err.slice(-4000)}`),
        );
      });
      check();
    });
  }

  /** Sends `signal` (if still running) and waits for the exit. */
  async kill(signal: NodeJS.Signals): Promise<number | null> {
    this.signal(signal);
    return this.exited;
  }

  /** Sends `signal` by PID without waiting (SIGSTOP/SIGCONT). */
  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** SIGKILL by PID, for synchronous cleanup. */
  killSync(): void {
    if (!this.running) return;
    try {
      process.kill(this.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
