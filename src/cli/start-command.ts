/**
 * `parking start`: load the config, start a node, print the ready line, then either open the REPL
 * (on a terminal) or run headless until SIGINT/SIGTERM. Both ways end in a graceful `node.stop()`.
 * The node, the config loader and the REPL are imported lazily so that the client commands, which
 * share this program, never load yjs, ws, zod or pino.
 */
import type { Command } from 'commander';
import type { Config } from '../config/index.js';
import { systemClock } from '../clock.js';
import { historyFile } from './args.js';
import { CliExit, ExitCodes, exitCodeFor, type ExitCode } from './exit-codes.js';
import { formatError } from './format.js';
import type { CliIo, RunnableNode } from './io.js';

/** The settings that get a flag, with their help text. Flag names are the kebab-case setting names. */
export const SETTING_FLAGS: readonly (readonly [flags: string, key: keyof Config, help: string])[] = [
  ['--name <name>', 'name', 'node name, unique in the cluster (default: the host name, plus -<port> off 4000)'],
  ['--host <host>', 'host', 'address to listen on (default: 127.0.0.1)'],
  ['--port <port>', 'port', 'TCP port; 0 picks any free port (default: 4000, or the next free one up to 4099)'],
  ['--gates <count>', 'gates', 'number of gates, numbered 1..count (default: 4)'],
  ['--spaces <count>', 'spaces', 'spaces in the lot (default: 100)'],
  ['--cluster <name>', 'cluster', 'cluster name; peers must match (default: parking)'],
  ['--cookie <secret>', 'cookie', 'shared cluster secret; set your own in production'],
  ['--discovery <kind>', 'discovery', 'how peers are found: mdns, dns, static or none (default: mdns)'],
  ['--peers <list>', 'peers', 'static discovery: host:port,host:port,...'],
  ['--mdns-interface <ip>', 'mdnsInterface', 'mdns discovery: an IP of this host to announce on its LAN (default: loopback only)'],
  ['--dns-name <name>', 'dnsName', 'dns discovery: the headless service name, fully qualified'],
  ['--dns-servers <list>', 'dnsServers', 'dns discovery: ip or ip:port,... (default: the system resolvers)'],
  ['--advertise-host <host>', 'advertiseHost', 'address peers and clients should use to reach this node'],
  ['--log-level <level>', 'logLevel', 'trace, debug, info, warn, error, fatal or silent (default: info)'],
  ['--log-format <format>', 'logFormat', 'json, pretty or auto (default: auto)'],
];

/** `dnsName` -> `PARKING_DNS_NAME`; the same rule as envName() in src/config, which we must not load here. */
function envVar(key: string): string {
  return `PARKING_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

/**
 * The loadConfig `flags` for the parsed options: one entry per setting, undefined when the flag was
 * not given, so that the environment and the config files still apply.
 */
export function configFlags(options: Record<string, unknown>): Partial<Record<keyof Config, unknown>> {
  return Object.fromEntries(SETTING_FLAGS.map(([, key]) => [key, options[key]]));
}

/** Adds `start` to the program. */
export function addStartCommand(program: Command, io: CliIo): void {
  const cmd = program
    .command('start')
    .description('start a node of the lot; on a terminal, open its console (REPL)')
    .option('--config <file>', 'YAML or JSON file of settings (flags and PARKING_* variables win over it)')
    .option(
      '--preset <name>',
      "defaults for where it runs: laptop, lan, kubernetes or test (default: the --config file's preset:, else laptop; kubernetes when PARKING_ENV=production) [env PARKING_PRESET]",
    )
    .option('--no-repl', 'run headless even on a terminal');
  for (const [flags, key, help] of SETTING_FLAGS) cmd.option(flags, `${help} [env ${envVar(key)}]`);
  cmd.addHelpText(
    'after',
    '\nPrints "parking node <name> ready at <url>" once it listens. SIGINT/SIGTERM stop it gracefully\n(a second signal exits at once). Every setting is documented in config/default.yaml.',
  );
  cmd.action(async (options: Record<string, unknown>) => {
    const code = await startNode(io, options);
    if (code !== ExitCodes.OK) throw new CliExit(code);
  });
}

async function defaultCreateNode(config: Config): Promise<RunnableNode> {
  const { createNode } = await import('../node.js');
  return createNode(config, { processMetrics: true });
}

/** Resolves when `signal` aborts. */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

async function startNode(io: CliIo, options: Record<string, unknown>): Promise<ExitCode> {
  let config: Config;
  try {
    const { loadConfig } = await import('../config/index.js');
    // In the console, info lines would break up the prompt (member and gate events are shown by the
    // REPL itself): warn and above by default; a flag, PARKING_LOG_LEVEL or a config file still wins.
    const consoleDefaults = options.repl !== false && io.interactive ? { logLevel: 'warn' } : undefined;
    config = loadConfig({
      flags: configFlags(options),
      env: { ...io.env },
      file: options.config as string | undefined,
      preset: options.preset as string | undefined,
      ...(consoleDefaults === undefined ? {} : { defaults: consoleDefaults }),
    });
  } catch (err) {
    io.err(`${formatError(err)}\n`);
    return exitCodeFor(err);
  }

  // Trap before starting: a signal during start-up still ends in a graceful stop.
  const shutdown = io.trapSignals();
  let node: RunnableNode | undefined;
  try {
    node = await (io.createNode ?? defaultCreateNode)(config);
    await node.start();
  } catch (err) {
    io.err(`${formatError(err)}\n`);
    // A half-started node may hold a port or timers; stop() is idempotent, and its own failure
    // would only hide the first error.
    await node?.stop().catch(() => undefined);
    return exitCodeFor(err);
  }
  // Scripts and tests wait for exactly this line: keep it stable.
  io.out(`parking node ${node.name} ready at ${node.url}\n`);

  const withRepl = options.repl !== false && io.interactive;
  const repl = withRepl ? await openRepl(io, node) : undefined;
  await Promise.race([aborted(shutdown), repl?.closed].filter((p) => p !== undefined));
  if (repl !== undefined) await repl.close();
  return stopNode(io, node, config.shutdownTimeoutMs);
}

async function openRepl(io: CliIo, node: RunnableNode): Promise<{ close(): Promise<void>; closed: Promise<void> }> {
  const { startRepl } = await import('../repl/index.js');
  return startRepl({
    api: node,
    name: node.name,
    input: io.input,
    output: io.output,
    terminal: true,
    historyFile: historyFile(io.env, io.home),
    events: node,
    now: () => io.now(),
  });
}

/**
 * Stops the node, giving up after the configured shutdownTimeoutMs plus a grace second (the node
 * enforces the timeout itself; this only guards against a stop that never settles).
 */
async function stopNode(io: CliIo, node: RunnableNode, timeoutMs: number): Promise<ExitCode> {
  let timer: ReturnType<typeof systemClock.setTimeout> | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = systemClock.setTimeout(() => resolve('timeout'), timeoutMs + 1000);
    timer.unref?.();
  });
  try {
    const outcome = await Promise.race([node.stop().then(() => 'stopped' as const), timedOut]);
    if (outcome === 'timeout') {
      io.err(`error ERR_INTERNAL: the node did not stop within ${timeoutMs + 1000}ms\n`);
      return ExitCodes.UNAVAILABLE;
    }
    return ExitCodes.OK;
  } catch (err) {
    io.err(`${formatError(err)}\n`);
    return exitCodeFor(err);
  } finally {
    if (timer !== undefined) systemClock.clearTimeout(timer);
  }
}
