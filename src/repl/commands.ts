/**
 * The dot-commands of the console: short forms of the context functions that print the same text
 * as the CLI (`.entry ABC 123 1` is `parking track-entry "ABC 123" 1`).
 */
import type { REPLServer } from 'node:repl';
import { formatEntry, formatExit, formatGates, formatLot, formatMembers, formatStatus } from '../cli/format.js';
import type { ParkingApi } from '../types.js';

/**
 * Splits `<plate> <gate>`: the gate is the last token, so the plate may contain spaces
 * (`ABC 123 1`) and may be quoted (`"ABC 123" 1`).
 */
export function parseCarArgs(rest: string): { plate: string; gate: number } | { error: string } {
  const text = rest.trim();
  const match = /^(.*\S)\s+(\S+)$/s.exec(text);
  if (match === null) return { error: 'expected <plate> <gate>' };
  let plate = match[1]!;
  const gateText = match[2]!;
  const quoted = /^(["'])(.*)\1$/s.exec(plate);
  if (quoted !== null) plate = quoted[2]!;
  if (!/^[1-9][0-9]*$/.test(gateText) || !Number.isSafeInteger(Number(gateText))) {
    return { error: `gate must be a positive integer, got ${JSON.stringify(gateText)}` };
  }
  return { plate, gate: Number(gateText) };
}

/** What the dot-commands need from the console around them. */
export interface CommandHost {
  api: ParkingApi;
  now(): number;
  /** Runs `task` after everything typed before it, prints its text or its error, then the prompt. */
  run(task: () => Promise<string>): void;
  /** Prints a line and the prompt (usage messages). */
  print(text: string): void;
}

/** Registers .entry, .exit, .read, .members, .gates and .status on `server`. */
export function defineCommands(server: REPLServer, host: CommandHost): void {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- CommandHost.now is a plain function field (a clock), called without this
  const { api, now } = host;
  server.defineCommand('entry', {
    help: 'Track a car entering: .entry <plate> <gate>   (e.g. .entry ABC 123 1)',
    action(rest) {
      const args = parseCarArgs(rest);
      if ('error' in args) return host.print(`usage: .entry <plate> <gate>: ${args.error}`);
      host.run(async () => formatEntry(await api.trackEntry(args.plate, args.gate), now()));
    },
  });
  // `.exit` is node's built-in "leave the REPL"; it keeps that meaning without arguments, so muscle
  // memory and Ctrl-D-shy users still get out, and tracks a car leaving with them.
  server.defineCommand('exit', {
    help: 'Track a car leaving: .exit <plate> <gate>; with no arguments, close the console',
    action(rest) {
      if (rest.trim() === '') return server.close();
      const args = parseCarArgs(rest);
      if ('error' in args) return host.print(`usage: .exit <plate> <gate>: ${args.error} (.exit alone closes the console)`);
      host.run(async () => formatExit(await api.trackExit(args.plate, args.gate), now()));
    },
  });
  server.defineCommand('read', {
    help: 'List the cars inside and the free spaces',
    action: () => host.run(async () => formatLot(await api.read(), now())),
  });
  server.defineCommand('members', {
    help: 'List the cluster members as this node sees them',
    action: () => host.run(async () => formatMembers(await api.cluster(), now())),
  });
  server.defineCommand('gates', {
    help: 'List each gate and the node running its worker',
    action: () => host.run(async () => formatGates(await api.cluster(), now())),
  });
  server.defineCommand('status', {
    help: "Show the node's status",
    action: () => host.run(async () => formatStatus(await api.status())),
  });
}
