#!/usr/bin/env node
/**
 * The `parking` executable: the only file that touches process.argv, process.exit, signals and
 * stdin/stdout TTY detection. Everything else takes a CliIo (see program.ts), so it runs in tests.
 */
import { homedir } from 'node:os';
import { SIGNAL_EXIT_CODES } from './exit-codes.js';
import type { CliIo } from './io.js';
import { run } from './program.js';

let trapped: AbortController | undefined;

/** First SIGINT/SIGTERM: ask for a graceful stop. Second: exit at once with 128 + signal number. */
function trapSignals(): AbortSignal {
  if (trapped !== undefined) return trapped.signal;
  const controller = new AbortController();
  trapped = controller;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (controller.signal.aborted) process.exit(SIGNAL_EXIT_CODES[signal]);
      controller.abort(signal);
    });
  }
  return controller.signal;
}

const io: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  env: process.env,
  input: process.stdin,
  output: process.stdout,
  interactive: process.stdin.isTTY === true && process.stdout.isTTY === true,
  home: homedir(),
  now: () => Date.now(),
  trapSignals,
};

const code = await run(process.argv.slice(2), io);
// Exit explicitly: a keep-alive socket or a slow-closing handle must not keep a finished command
// alive. The empty writes call back once everything written before them is flushed (pipes are
// asynchronous on some platforms), so no output is cut off.
process.stderr.write('', () => process.stdout.write('', () => process.exit(code)));
