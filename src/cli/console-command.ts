/**
 * `parking console`: the REPL of `parking start`, attached to a running node over the HTTP API
 * (what `remote_console` is to an Elixir release). With piped stdin it runs the lines as a script.
 */
import type { Command } from 'commander';
import { historyFile } from './args.js';
import { addConnectionOptions, connectFor, reportError, type ClientOptions } from './client-commands.js';
import { CliExit, exitCodeFor } from './exit-codes.js';
import type { CliIo } from './io.js';

/** Adds `console` to the program. */
export function addConsoleCommand(program: Command, io: CliIo): void {
  const cmd = addConnectionOptions(program.command('console').description('open the console (REPL) of a running node'));
  cmd.action(async (options: ClientOptions) => {
    const client = await connectFor(cmd, io, options, true);
    try {
      // The prompt shows the node's own name, and a dead URL fails here rather than at the first command.
      let name: string;
      try {
        name = (await client.status()).name;
      } catch (err) {
        reportError(io, err, false);
        throw new CliExit(exitCodeFor(err));
      }
      const { startRepl } = await import('../repl/index.js');
      const repl = startRepl({
        api: client,
        name,
        input: io.input,
        output: io.output,
        terminal: io.interactive,
        historyFile: historyFile(io.env, io.home),
        now: () => io.now(),
      });
      await repl.closed;
    } finally {
      client.close();
    }
  });
}
