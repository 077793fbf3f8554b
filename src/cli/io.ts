/**
 * What the commander program needs from the outside world, injected so that the whole CLI runs in
 * tests without a process: bin.ts builds the real one from `process`, tests build fakes.
 */
import type { Config } from '../config/index.js';
import type { ReplEvents } from '../repl/events.js';
import type { ParkingApi } from '../types.js';

/** An API client as the CLI uses it: the {@link ParkingApi} plus a way to drop its sockets. */
export interface CliClient extends ParkingApi {
  close(): void;
}

/** The part of src/node.ts that `parking start` drives; its events are shown in the REPL. */
export interface RunnableNode extends ParkingApi, ReplEvents {
  readonly name: string;
  readonly url: string;
  /** Listens; afterwards `name` and `url` are set. */
  start(): Promise<void>;
  /** Graceful and idempotent. */
  stop(): Promise<void>;
}

/** The process as the CLI sees it. */
export interface CliIo {
  /** Writes text (with its newline) to standard output. */
  out(text: string): void;
  /** Writes text (with its newline) to standard error. */
  err(text: string): void;
  /** Environment variables (PARKING_NODE, PARKING_HISTORY and the PARKING_* settings). */
  env: Readonly<Record<string, string | undefined>>;
  /** Where the REPL reads lines. */
  input: NodeJS.ReadableStream;
  /** Where the REPL writes. */
  output: NodeJS.WritableStream;
  /** Both stdin and stdout are terminals: `start` opens the REPL and the REPL edits lines. */
  interactive: boolean;
  /** Home directory, for the default history file. */
  home: string;
  /** Wall-clock ms, to tell "today" from older times in formatted output. */
  now(): number;
  /**
   * Starts trapping SIGINT and SIGTERM. The first one aborts the returned signal (its reason is the
   * signal name); a second one exits at once with 130/143. Only long-running commands call it, so
   * Ctrl-C on a short command keeps its default meaning.
   */
  trapSignals(): AbortSignal;
  /** Makes an API client. Default: src/api/client.js, imported lazily. */
  connect?(url: string, options: { timeoutMs: number; keepAlive: boolean }): Promise<CliClient>;
  /** Creates (not starts) a node. Default: src/node.js, imported lazily. */
  createNode?(config: Config): Promise<RunnableNode>;
}
