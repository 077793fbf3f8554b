/**
 * Structured logs: JSON lines in production, readable lines on a TTY. Every line carries `node` and
 * `component`, so several nodes in one process (tests) can be told apart. Messages are short and
 * fixed; variable data goes in fields.
 */
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** The node's name, when known; a node adds it with `child({ node })` once it has one. */
  node?: string;
  level?: string;
  /** Human-readable output (pino-pretty). Default: when stderr is a TTY. */
  pretty?: boolean;
  /** Where lines go. Default: stderr. */
  destination?: DestinationStream;
  /** Fields computed for every line (e.g. the node name, known only once the port is bound). */
  mixin?: () => Record<string, unknown>;
}

/** Creates the root logger of a node; parts take `logger.child({ component })`. */
export async function createLogger(options: LoggerOptions): Promise<Logger> {
  const level = options.level ?? 'info';
  const pretty = options.pretty ?? process.stderr.isTTY === true;
  let destination = options.destination;
  if (destination === undefined) {
    if (pretty) {
      // Loaded lazily: pino-pretty is only needed for people at a terminal.
      const { default: prettyStream } = await import('pino-pretty');
      destination = prettyStream({
        destination: 2,
        sync: true,
        ignore: 'pid,hostname,node,component',
        translateTime: 'HH:MM:ss.l',
        singleLine: true,
        messageFormat: '{node} {component}: {msg}',
      });
    } else {
      destination = pino.destination({ dest: 2, sync: true });
    }
  }
  return pino(
    {
      level,
      base: options.node === undefined ? {} : { node: options.node },
      ...(options.mixin === undefined ? {} : { mixin: options.mixin }),
    },
    destination,
  );
}

/** A logger that drops everything (unit tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
