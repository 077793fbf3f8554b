/**
 * The `parking` command line as a commander program over an injected {@link CliIo}, so tests run it
 * in-process. `run()` never exits the process: it returns the exit code for bin.ts to use.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { addClientCommands } from './client-commands.js';
import { addConsoleCommand } from './console-command.js';
import { addLoadCommand } from './load-command.js';
import { CliExit, ExitCodes, exitCodeFor } from './exit-codes.js';
import { formatError } from './format.js';
import type { CliIo } from './io.js';
import { addStartCommand } from './start-command.js';

/** The package version, from package.json one level above src/ (source) or dist/src/ (build). */
function packageVersion(): string {
  for (const path of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'parking' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // Not at this level: try the next one.
    }
  }
  return '0.0.0';
}

/**
 * Builds the program. Output goes through `io`; commander's own exits (help, usage errors) are
 * turned into thrown CommanderErrors by `exitOverride`, which {@link run} maps to exit codes.
 */
export function buildProgram(io: CliIo): Command {
  // exitOverride and configureOutput must come before the subcommands: commander copies them on creation.
  const program = new Command('parking')
    .description('A parking lot replicated across nodes: start a node, track cars, read the lot.')
    .version(packageVersion(), '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError('(add --help for usage)')
    .showSuggestionAfterError(true);
  addStartCommand(program, io);
  addClientCommands(program, io);
  addConsoleCommand(program, io);
  addLoadCommand(program, io);
  program.addHelpText(
    'after',
    '\nExit codes: 0 done, 1 refused by the lot, 2 usage or config error, 3 node unreachable or failing.\nSee docs/cli.md.',
  );
  return program;
}

/** Commander exits that are not errors: help asked for, version asked for. */
const COMMANDER_SUCCESS = new Set(['commander.helpDisplayed', 'commander.version']);

/**
 * Runs `parking <args>` (args without the node and script paths) and returns the exit code. Never
 * throws: unexpected errors are printed as `error CODE: message` and exit 3.
 */
export async function run(args: readonly string[], io: CliIo): Promise<number> {
  try {
    await buildProgram(io).parseAsync([...args], { from: 'user' });
    return ExitCodes.OK;
  } catch (err) {
    if (err instanceof CliExit) return err.exitCode;
    if (err instanceof CommanderError) return COMMANDER_SUCCESS.has(err.code) ? ExitCodes.OK : ExitCodes.USAGE;
    io.err(`${formatError(err)}\n`);
    return exitCodeFor(err);
  }
}
