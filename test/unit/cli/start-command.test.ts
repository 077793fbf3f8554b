import { stripVTControlCharacters as stripAnsi } from 'node:util';
import { describe, expect, it } from 'vitest';
import { run } from '../../../src/cli/program.js';
import { SETTING_FLAGS, configFlags } from '../../../src/cli/start-command.js';
import { configKeys, envName } from '../../../src/config/index.js';
import { CLI_NODE, FakeNode } from '../../support/fake-api.js';
import { testIo } from '../../support/cli-io.js';
import { eventually } from '../../support/eventually.js';

const READY = 'parking node n1 ready at http://127.0.0.1:4000\n';

describe('parking start', () => {
  it('maps each flag onto the setting of the same name, and leaves absent ones undefined', () => {
    for (const [flag, key] of SETTING_FLAGS) {
      expect(configKeys).toContain(key);
      expect(flag.split(' ')[0]).toBe(`--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    }
    const flags = configFlags({ port: '0', dnsName: 'x.local', repl: false });
    expect(flags.port).toBe('0');
    expect(flags.dnsName).toBe('x.local');
    expect(Object.keys(flags)).toContain('gates');
    expect(flags.gates).toBeUndefined();
    expect(Object.keys(flags)).not.toContain('repl');
  });

  it('names the environment variable of each flag in its help, as loadConfig spells it', async () => {
    const io = testIo();
    await run(['start', '--help'], io);
    for (const [, key] of SETTING_FLAGS) expect(io.stdout.replace(/\s+/g, ' ')).toContain(`[env ${envName(key)}]`);
  });

  it('prints the ready line, runs until a signal, then stops the node and exits 0', async () => {
    const node = new FakeNode(CLI_NODE);
    const io = testIo({ node });
    const exit = run(
      ['start', '--no-repl', '--port', '0', '--gates', '6', '--discovery', 'static', '--peers', '127.0.0.1:4001,127.0.0.1:4002'],
      io,
    );
    await eventually(() => io.stdout === READY, { message: 'the ready line' });
    expect(node.started).toBe(true);
    expect(io.configs[0]).toMatchObject({ port: 0, gates: 6, discovery: 'static', peers: ['127.0.0.1:4001', '127.0.0.1:4002'] });
    expect(node.stops).toBe(0);
    io.signal('SIGTERM');
    expect(await exit).toBe(0);
    expect(node.stops).toBe(1);
  });

  it('lets the environment and the config file supply what no flag gives', async () => {
    const node = new FakeNode(CLI_NODE);
    const io = testIo({ node, env: { PARKING_SPACES: '7', PARKING_DISCOVERY: 'none' } });
    const exit = run(['start', '--no-repl', '--gates', '2'], io);
    await eventually(() => io.stdout === READY, { message: 'the ready line' });
    expect(io.configs[0]).toMatchObject({ spaces: 7, gates: 2, discovery: 'none' });
    io.signal();
    expect(await exit).toBe(0);
  });

  it.each([
    [['--gates', '0'], 'gates', 'must be >= 1'],
    [['--spaces', '-1'], 'spaces', 'must be >= 1'],
    [['--port', '70000'], 'port', 'must be <= 65535'],
    [['--discovery', 'carrier-pigeon'], 'discovery', 'must be one of mdns, dns, static, none'],
    [['--config', '/nonexistent/parking.yaml'], 'config', 'cannot read'],
  ])('exits 2 naming the field on a bad config (%j)', async (args, field, message) => {
    const io = testIo({ node: new FakeNode(CLI_NODE) });
    expect(await run(['start', '--no-repl', ...args], io)).toBe(2);
    expect(io.stderr).toMatch(new RegExp(`^error ERR_INVALID_CONFIG: invalid config ${field}: .*${message}`));
    expect(io.configs).toHaveLength(0);
    expect(io.stdout).toBe('');
  });

  it('exits 3 when the node fails to start, and releases what it holds', async () => {
    const node = new FakeNode(CLI_NODE);
    node.failStart = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:4000'), { code: 'EADDRINUSE' });
    const io = testIo({ node });
    expect(await run(['start', '--no-repl'], io)).toBe(3);
    expect(io.stderr).toBe('error ERR_INTERNAL: listen EADDRINUSE: address already in use 127.0.0.1:4000\n');
    expect(node.stops).toBe(1);
  });

  it('opens the console on a terminal, and closing it stops the node', async () => {
    const node = new FakeNode(CLI_NODE);
    const io = testIo({ node, interactive: true, env: { PARKING_HISTORY: '' } });
    let screen = '';
    io.output.on('data', (chunk: Buffer) => (screen += chunk.toString()));
    const exit = run(['start', '--port', '0'], io);
    await eventually(() => stripAnsi(screen).includes('parking(n1)> '), { message: 'the prompt' });
    expect(io.stdout).toBe(READY);
    io.input.write('.entry ABC 123 2\r');
    await eventually(() => stripAnsi(screen).includes('ABC 123 entered at gate 2 (node n1, 16:02:11)'), { message: 'the entry' });
    io.input.write('.exit\r');
    expect(await exit).toBe(0);
    expect(node.stops).toBe(1);
  });

  it('stays headless on a terminal with --no-repl', async () => {
    const node = new FakeNode(CLI_NODE);
    const io = testIo({ node, interactive: true });
    let screen = '';
    io.output.on('data', (chunk: Buffer) => (screen += chunk.toString()));
    const exit = run(['start', '--no-repl'], io);
    await eventually(() => io.stdout === READY, { message: 'the ready line' });
    io.signal('SIGINT');
    expect(await exit).toBe(0);
    expect(screen).toBe('');
  });
});
