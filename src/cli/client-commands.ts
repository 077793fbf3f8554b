/**
 * The commands that talk to a running node over its HTTP API: track-entry, track-exit, read,
 * status, members, gates. They load nothing but commander and src/api/client.js (lazily, on use),
 * so `parking track-entry` starts in well under a second.
 */
import type { Command } from 'commander';
import { isParkingError } from '../errors.js';
import type { ParkingApi } from '../types.js';
import { DEFAULT_NODE_URL, DEFAULT_TIMEOUT_MS, parseGate, parseMs, resolveNodeUrl } from './args.js';
import { CliExit, ExitCodes, exitCodeFor } from './exit-codes.js';
import { errorParts, formatEntry, formatError, formatExit, formatGates, formatLot, formatMembers, formatStatus } from './format.js';
import type { CliClient, CliIo } from './io.js';

/** Options every client command takes. */
export interface ClientOptions {
  node?: string;
  json?: boolean;
  timeout?: number;
}

/** Adds --node and --timeout (what `console` needs too). */
export function addConnectionOptions(cmd: Command): Command {
  return cmd
    .option('--node <url>', `node to talk to [env PARKING_NODE] (default: ${DEFAULT_NODE_URL})`)
    .option('--timeout <ms>', `give up on a request after this long (default: ${DEFAULT_TIMEOUT_MS})`, parseMs);
}

async function defaultConnect(url: string, options: { timeoutMs: number; keepAlive: boolean }): Promise<CliClient> {
  const { createApiClient } = await import('../api/client.js');
  return createApiClient(url, options);
}

/**
 * Resolves the node URL (a bad one is a usage error reported through commander, exit 2) and
 * returns a client. `keepAlive` pays off only for sessions (the console); a one-shot command
 * should not hold a pooled socket.
 */
export async function connectFor(cmd: Command, io: CliIo, options: ClientOptions, keepAlive = false): Promise<CliClient> {
  const resolved = resolveNodeUrl(options.node, io.env);
  if ('error' in resolved) cmd.error(`error: ${resolved.error}`, { exitCode: ExitCodes.USAGE, code: 'parking.usage' });
  return (io.connect ?? defaultConnect)(resolved.url, { timeoutMs: options.timeout ?? DEFAULT_TIMEOUT_MS, keepAlive });
}

/** Prints an error the way the output mode asks; with --json the wire error goes to stderr. */
export function reportError(io: CliIo, err: unknown, json: boolean): void {
  if (json) {
    const wire = isParkingError(err) ? err.toWire() : errorParts(err);
    io.err(`${JSON.stringify({ error: wire })}\n`);
  } else {
    io.err(`${formatError(err)}\n`);
  }
}

/**
 * Runs one API call and prints its answer: `human(result)` for people, the raw JSON with --json.
 * Failures print `error CODE: message` (or the JSON error) and end with the mapped exit code.
 */
async function call<T>(
  cmd: Command,
  io: CliIo,
  options: ClientOptions,
  fn: (api: ParkingApi) => Promise<T>,
  human: (result: T, now: number) => string,
): Promise<void> {
  const client = await connectFor(cmd, io, options);
  try {
    const result = await fn(client);
    io.out(options.json === true ? `${JSON.stringify(result)}\n` : `${human(result, io.now())}\n`);
  } catch (err) {
    reportError(io, err, options.json === true);
    throw new CliExit(exitCodeFor(err));
  } finally {
    client.close();
  }
}

function clientCommand(program: Command, name: string, description: string): Command {
  return addConnectionOptions(program.command(name).description(description)).option(
    '--json',
    "print the API's JSON answer instead of text",
  );
}

/** Adds the client commands to the program. */
export function addClientCommands(program: Command, io: CliIo): void {
  const plateHelp = 'licence plate, e.g. "ABC 123" (quote it when it has spaces)';
  const gateHelp = 'gate number, 1..gates';

  const entry = clientCommand(program, 'track-entry', 'record a car entering the lot by a gate')
    .argument('<plate>', plateHelp)
    .argument('<gate>', gateHelp, parseGate);
  entry.action((plate: string, gate: number, options: ClientOptions) =>
    call(entry, io, options, (api) => api.trackEntry(plate, gate), formatEntry),
  );

  const exit = clientCommand(program, 'track-exit', 'record a car leaving the lot by a gate')
    .argument('<plate>', plateHelp)
    .argument('<gate>', gateHelp, parseGate);
  exit.action((plate: string, gate: number, options: ClientOptions) =>
    call(exit, io, options, (api) => api.trackExit(plate, gate), formatExit),
  );

  const read = clientCommand(program, 'read', 'list the cars inside and the free spaces');
  read.action((options: ClientOptions) => call(read, io, options, (api) => api.read(), formatLot));

  const status = clientCommand(program, 'status', "show the node's status: lot counts, gates owned, members alive");
  status.action((options: ClientOptions) =>
    call(
      status,
      io,
      options,
      (api) => api.status(),
      (s) => formatStatus(s),
    ),
  );

  const members = clientCommand(program, 'members', 'list the cluster members as the node sees them');
  members.action((options: ClientOptions) => call(members, io, options, (api) => api.cluster(), formatMembers));

  const gates = clientCommand(program, 'gates', 'list each gate and the node running its worker');
  gates.action((options: ClientOptions) => call(gates, io, options, (api) => api.cluster(), formatGates));
}
