/**
 * A CliIo for in-process CLI tests: captured stdout/stderr, a fake clock, injectable client and
 * node, and a hand-operated "signal".
 */
import { PassThrough } from 'node:stream';
import type { CliClient, CliIo, RunnableNode } from '../../src/cli/io.js';
import type { Config } from '../../src/config/index.js';
import { FAKE_NOW } from './fake-api.js';

export interface TestIo extends CliIo {
  stdout: string;
  stderr: string;
  /** The URLs and options passed to connect(). */
  connects: { url: string; timeoutMs: number; keepAlive: boolean }[];
  /** Configs passed to createNode(). */
  configs: Config[];
  /** Sends the trapped "signal" (SIGTERM by default). */
  signal(name?: string): void;
  input: PassThrough;
  output: PassThrough;
}

export function testIo(
  options: { client?: CliClient; node?: RunnableNode; env?: Record<string, string | undefined>; interactive?: boolean } = {},
): TestIo {
  const controller = new AbortController();
  const io: TestIo = {
    stdout: '',
    stderr: '',
    connects: [],
    configs: [],
    out: (text) => {
      io.stdout += text;
    },
    err: (text) => {
      io.stderr += text;
    },
    // PARKING_ENV pinned so a developer's NODE_ENV cannot change the defaults under test.
    env: { PARKING_ENV: 'development', ...(options.env ?? {}) },
    input: new PassThrough(),
    output: new PassThrough(),
    interactive: options.interactive ?? false,
    home: '/nonexistent-home',
    now: () => FAKE_NOW,
    trapSignals: () => controller.signal,
    signal: (name = 'SIGTERM') => controller.abort(name),
    connect: async (url, opts) => {
      io.connects.push({ url, ...opts });
      if (options.client === undefined) throw new Error('no client in this test');
      return options.client;
    },
    createNode: async (config) => {
      io.configs.push(config);
      if (options.node === undefined) throw new Error('no node in this test');
      return options.node;
    },
  };
  return io;
}
