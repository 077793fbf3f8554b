/**
 * `parking load`: the load generator (src/load) against one or more running nodes over keep-alive
 * HTTP, for demos, capacity checks and Kubernetes jobs. Bounded in time; prints a progress line
 * every second on stderr and a summary at the end (stdout; `--json` for the LoadSummary as JSON).
 * Ctrl-C stops early and still prints the summary. Like the other client commands it loads nothing
 * heavy: src/load and the HTTP client are imported on use.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_TIMEOUT_MS, parseMs, resolveNodeUrl } from './args.js';
import { reportError } from './client-commands.js';
import { CliExit, ExitCodes, exitCodeFor } from './exit-codes.js';
import type { CliClient, CliIo } from './io.js';

interface LoadCliOptions {
  node?: string;
  rate?: number;
  concurrency?: number;
  duration: number;
  plates: number;
  exitRatio: number;
  maxInFlight: number;
  timeout?: number;
  json?: boolean;
}

/** A positive number (rates and seconds may have decimals). */
export function parsePositive(value: string): number {
  const n = /^[0-9]+(\.[0-9]+)?$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`must be a positive number, got ${JSON.stringify(value)}`);
  return n;
}

/** A positive integer. */
export function parseCount(value: string): number {
  const n = /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError(`must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

/** A ratio in [0, 1]. */
export function parseRatio(value: string): number {
  const n = /^[0-9]*\.?[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError(`must be a number from 0 to 1, got ${JSON.stringify(value)}`);
  return n;
}

async function defaultConnect(url: string, options: { timeoutMs: number; keepAlive: boolean }): Promise<CliClient> {
  const { createApiClient } = await import('../api/client.js');
  return createApiClient(url, options);
}

/** Adds `load` to the program. */
export function addLoadCommand(program: Command, io: CliIo): void {
  const cmd = program
    .command('load')
    .description('drive entries and exits against running nodes and report throughput and latency')
    .option(
      '--node <urls>',
      'node(s) to load, comma-separated; commands go round-robin [env PARKING_NODE] (default: http://127.0.0.1:4000)',
    )
    .option('--rate <n>', 'open loop: send n commands per second on a fixed schedule', parsePositive)
    .option('--concurrency <c>', 'closed loop: c commands in flight, the next sent when one is answered', parseCount)
    .option('--duration <s>', 'seconds to send for', parsePositive, 10)
    .option('--plates <p>', 'distinct plates to use (a run-unique prefix keeps runs apart)', parseCount, 1000)
    .option('--exit-ratio <r>', 'share of exits when a car is inside, 0..1', parseRatio, 0.5)
    .option('--max-in-flight <n>', 'with --rate: most commands in flight at once', parseCount, 256)
    .option('--timeout <ms>', `give up on a request after this long (default: ${DEFAULT_TIMEOUT_MS})`, parseMs)
    .option('--json', 'print the summary as JSON');
  cmd.addHelpText(
    'after',
    '\nGive exactly one of --rate and --concurrency. Latency is from send to answer; refusals (lot full,\n' +
      'already inside, ...) are answers and counted by code; errors are commands with no answer from the lot.\n' +
      'Exit code 3 when no command was acknowledged and some failed.',
  );
  cmd.action(async (options: LoadCliOptions) => {
    const usage = (message: string): never => cmd.error(`error: ${message}`, { exitCode: ExitCodes.USAGE, code: 'parking.usage' });
    if ((options.rate === undefined) === (options.concurrency === undefined)) usage('give exactly one of --rate and --concurrency');
    const urls: string[] = [];
    for (const raw of (options.node ?? io.env.PARKING_NODE ?? '').split(',').map((s) => s.trim())) {
      if (raw === '' && urls.length > 0) continue;
      const resolved = resolveNodeUrl(raw === '' ? undefined : raw, raw === '' ? io.env : {});
      if ('error' in resolved) usage(resolved.error);
      else urls.push(resolved.url);
    }
    const concurrency = options.concurrency ?? options.maxInFlight;
    if (options.plates < concurrency) usage(`--plates (${options.plates}) must be at least the commands in flight (${concurrency})`);

    // eslint-disable-next-line @typescript-eslint/unbound-method -- CliIo.connect is a plain function field, called without this
    const connect = io.connect ?? defaultConnect;
    const clients = await Promise.all(
      urls.map((url) => connect(url, { timeoutMs: options.timeout ?? DEFAULT_TIMEOUT_MS, keepAlive: true })),
    );
    try {
      let gates: number;
      try {
        gates = (await clients[0]!.status()).gates;
      } catch (err) {
        reportError(io, err, options.json === true);
        throw new CliExit(exitCodeFor(err));
      }
      const [{ runLoad, formatProgress, formatSummary }, { systemClock }, { randomId, systemRandom }] = await Promise.all([
        import('../load/index.js'),
        import('../clock.js'),
        import('../random.js'),
      ]);
      const signal = io.trapSignals();
      const summary = await runLoad({
        targets: clients,
        gates,
        mode:
          options.rate !== undefined
            ? { kind: 'rate', rate: options.rate, maxInFlight: options.maxInFlight }
            : { kind: 'concurrency', concurrency },
        durationMs: options.duration * 1000,
        plates: options.plates,
        prefix: `LD${randomId(2).toUpperCase()} `,
        exitRatio: options.exitRatio,
        clock: systemClock,
        random: systemRandom(),
        signal,
        drainTimeoutMs: (options.timeout ?? DEFAULT_TIMEOUT_MS) + 1000,
        onProgress: (p) => io.err(`${formatProgress(p)}\n`),
      });
      io.out(options.json === true ? `${JSON.stringify(summary)}\n` : `${formatSummary(summary)}\n`);
      const failed = Object.values(summary.errors).reduce((a, b) => a + b, 0);
      if (summary.ok === 0 && failed > 0) throw new CliExit(ExitCodes.UNAVAILABLE);
    } finally {
      for (const client of clients) client.close();
    }
  });
}
