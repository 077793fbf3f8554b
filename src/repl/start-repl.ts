/**
 * The console on node:repl, over any {@link ParkingApi}: the local Node in `parking start`, the
 * HTTP client in `parking console`. The context holds plain functions (`trackEntry("ABC 123", 1)`)
 * whose promises are awaited before printing (see evaluate.ts); dot-commands print the CLI's text.
 */
import repl, { type REPLServer } from 'node:repl';
import { systemClock } from '../clock.js';
import { isParkingError } from '../errors.js';
import { sanitize } from '../cli/format.js';
import type { ParkingApi } from '../types.js';
import { defineCommands } from './commands.js';
import { createLineQueue, installEval, shortError } from './evaluate.js';
import { watchEvents, type ReplEvents } from './events.js';

/** Options of {@link startRepl}. */
export interface ReplOptions {
  api: ParkingApi;
  /** Node name shown in the prompt: `parking(n1)> `. */
  name: string;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /**
   * Persistent history file. Absent or '' means none (the CLI passes PARKING_HISTORY, else
   * ~/.parking_history). Used only with `terminal`: without line editing there is no history.
   */
  historyFile?: string;
  /** Line editing, completion and history (a TTY). Default: whether `output` is a TTY. */
  terminal?: boolean;
  /** A local node's events, printed above the prompt (`member n2 up`). */
  events?: ReplEvents;
  /** Wall clock for formatted times. Default: the system clock. */
  now?: () => number;
}

/** A running console. */
export interface ReplHandle {
  /** Closes the console (like `.exit`) and resolves once it is closed. */
  close(): Promise<void>;
  /** Resolves when the console has closed (`.exit`, Ctrl-D, end of input) and its last line ran. */
  closed: Promise<void>;
  /** The underlying REPL server (tests use its completer). */
  server: REPLServer;
}

/** The functions in the console's context. Each returns the API's plain JSON. */
function contextFunctions(api: ParkingApi): Record<string, (...args: never[]) => Promise<unknown>> {
  return {
    trackEntry: (plate: string, gate: number) => api.trackEntry(plate, gate),
    trackExit: (plate: string, gate: number) => api.trackExit(plate, gate),
    read: () => api.read(),
    status: () => api.status(),
    cluster: () => api.cluster(),
    members: async () => (await api.cluster()).members,
    gates: async () => (await api.cluster()).gates,
  };
}

/** Starts the console on `input`/`output`. */
export function startRepl(options: ReplOptions): ReplHandle {
  const { api, output } = options;
  const terminal = options.terminal ?? (output as { isTTY?: boolean }).isTTY === true;
  const now = options.now ?? (() => systemClock.now());
  const server = repl.start({
    prompt: `parking(${sanitize(options.name)})> `,
    input: options.input,
    output,
    terminal,
    useColors: terminal && (output as { isTTY?: boolean }).isTTY === true,
    ignoreUndefined: true,
  });
  for (const [name, fn] of Object.entries(contextFunctions(api))) {
    Object.defineProperty(server.context, name, { value: fn, enumerable: true, configurable: true, writable: true });
  }

  const queue = createLineQueue();
  installEval(server, output, queue);

  defineCommands(server, {
    api,
    now,
    run: (task) =>
      queue.enqueue(async () => {
        try {
          output.write(`${await task()}\n`);
        } catch (err) {
          if (isParkingError(err)) output.write(`${shortError(err)}\n`);
          else output.write(`error: ${sanitize(err instanceof Error ? err.message : String(err))}\n`);
        }
        server.displayPrompt();
      }),
    print: (text) => {
      output.write(`${text}\n`);
      server.displayPrompt();
    },
  });

  if (terminal && options.historyFile !== undefined && options.historyFile !== '') {
    server.setupHistory(options.historyFile, (err) => {
      if (err !== null) output.write(`history disabled: ${err.message}\n`);
    });
  }

  const unwatch =
    options.events === undefined ? () => undefined : watchEvents(options.events, server, output, terminal, () => queue.busy());
  const closed = new Promise<void>((resolve) => {
    server.once('exit', () => {
      unwatch();
      // Let the lines already read finish (a piped script's last command) before reporting closed;
      // without a terminal, end the last prompt's line so the shell's prompt starts on its own.
      void queue.drained().then(() => {
        if (!terminal) output.write('\n');
        resolve();
      });
    });
  });
  return {
    server,
    closed,
    close: async () => {
      server.close();
      await closed;
    },
  };
}
