import { describe, expect, it } from 'vitest';
import { run } from '../../../src/cli/program.js';
import { NodeStoppingError, NodeUnreachableError } from '../../../src/errors.js';
import { CLI_NODE, FakeParkingApi } from '../../support/fake-api.js';
import { testIo } from '../../support/cli-io.js';

async function cli(args: string[], api = new FakeParkingApi(CLI_NODE), env: Record<string, string> = {}) {
  const io = testIo({ client: api, env });
  const code = await run(args, io);
  return { code, stdout: io.stdout, stderr: io.stderr, io, api };
}

describe('parking client commands', () => {
  it('track-entry prints one line and exits 0', async () => {
    const r = await cli(['track-entry', 'abc 123', '1']);
    expect(r).toMatchObject({ code: 0, stdout: 'ABC 123 entered at gate 1 (node n1, 16:02:11)\n', stderr: '' });
    expect(r.api.closed).toBe(true);
  });

  it('track-exit prints where and how long the car stayed', async () => {
    const api = new FakeParkingApi(CLI_NODE);
    await api.trackEntry('ABC 123', 1);
    const r = await cli(['track-exit', 'ABC 123', '2'], api);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('ABC 123 left at gate 2 after 0ms (entered at gate 1 at 16:02:11, node n1)\n');
  });

  it('read prints the table and the counts', async () => {
    const api = new FakeParkingApi({ ...CLI_NODE, spaces: 3 });
    await api.trackEntry('ABC 123', 1);
    const r = await cli(['read'], api);
    expect(r.stdout).toBe('PLATE    GATE  SINCE     NODE\nABC 123     1  16:02:11  n1\noccupied 1/3, free 2\n');
  });

  it.each([
    ['status', /^node +n1 \(http:\/\/127\.0\.0\.1:4000\)\n/],
    ['members', /^NAME +STATUS +URL +SINCE\nn1 \(self\) +alive/],
    ['gates', /^GATE +NODE +SINCE\n +1 +n1 +16:02:11\n +2 +- /],
  ])('%s prints its table', async (command, pattern) => {
    const r = await cli([command]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(pattern);
  });

  it('--json prints the API answer as one JSON line', async () => {
    const r = await cli(['track-entry', 'ABC 123', '3', '--json']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    // `as unknown`: vitest types its asymmetric matchers (expect.any, expect.stringMatching, ...) as `any`.
    expect(JSON.parse(r.stdout)).toEqual({ plate: 'ABC 123', gate: 3, node: 'n1', enteredAt: expect.any(Number) as unknown });
  });

  it('--json on a refusal prints the error JSON on stderr and nothing on stdout', async () => {
    const r = await cli(['track-exit', 'NOPE', '1', '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(JSON.parse(r.stderr)).toEqual({ error: { code: 'ERR_NOT_INSIDE', message: 'NOPE is not inside', details: { plate: 'NOPE' } } });
  });

  it.each([
    ['an invalid plate', ['track-entry', 'ÄÖ', '1'], 'ERR_INVALID_PLATE'],
    ['an unknown gate', ['track-entry', 'ABC', '9'], 'ERR_UNKNOWN_GATE'],
    ['a car not inside', ['track-exit', 'ABC', '1'], 'ERR_NOT_INSIDE'],
  ])('refuses %s with exit 1 and "error CODE: message" on stderr', async (_what, args, code) => {
    const r = await cli(args);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^error ${code}: .+\n$`));
  });

  it('refuses a second entry of the same car and an entry into a full lot with exit 1', async () => {
    const api = new FakeParkingApi({ ...CLI_NODE, spaces: 1 });
    expect((await cli(['track-entry', 'A 1', '1'], api)).code).toBe(0);
    const again = await cli(['track-entry', 'a  1', '2'], api);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error ERR_ALREADY_INSIDE: A 1 is already inside/);
    const full = await cli(['track-entry', 'B 2', '1'], api);
    expect(full.code).toBe(1);
    expect(full.stderr).toBe('error ERR_LOT_FULL: the lot is full: 1 of 1 spaces taken\n');
  });

  it.each([
    [new NodeUnreachableError('http://127.0.0.1:4000', 'connect ECONNREFUSED'), 'ERR_NODE_UNREACHABLE'],
    [new NodeStoppingError(), 'ERR_NODE_STOPPING'],
  ])('exits 3 when the node is unavailable (%s)', async (error, code) => {
    const api = new FakeParkingApi(CLI_NODE);
    api.fail = error;
    const r = await cli(['read'], api);
    expect(r.code).toBe(3);
    expect(r.stderr.startsWith(`error ${code}: `)).toBe(true);
  });

  it('talks to --node, else PARKING_NODE, else http://127.0.0.1:4000', async () => {
    expect((await cli(['read', '--node', 'http://10.0.0.1:4005/'])).io.connects[0]!.url).toBe('http://10.0.0.1:4005');
    expect((await cli(['read'], undefined, { PARKING_NODE: 'http://h:1' })).io.connects[0]!.url).toBe('http://h:1');
    const r = await cli(['read']);
    expect(r.io.connects[0]).toEqual({ url: 'http://127.0.0.1:4000', timeoutMs: 10_000, keepAlive: false });
  });

  it('passes --timeout to the client', async () => {
    expect((await cli(['status', '--timeout', '250'])).io.connects[0]!.timeoutMs).toBe(250);
  });
});

describe('parking usage errors', () => {
  it.each([
    ['a gate that is not a number', ['track-entry', 'ABC', 'one'], /gate must be a positive integer, got "one"/],
    ['gate 0', ['track-entry', 'ABC', '0'], /gate must be a positive integer, got "0"/],
    ['a negative gate', ['track-exit', 'ABC', '-1'], /unknown option '-1'|gate must be a positive integer/],
    ['a fractional gate', ['track-exit', 'ABC', '1.5'], /gate must be a positive integer, got "1.5"/],
    ['a missing gate', ['track-entry', 'ABC'], /missing required argument 'gate'/],
    ['an extra argument', ['track-entry', 'ABC', '1', 'extra'], /too many arguments/],
    ['an unknown command', ['track-entri'], /unknown command 'track-entri'[\s\S]*track-entry/],
    ['an unknown option', ['read', '--jsn'], /unknown option '--jsn'/],
    ['a --node that is not a URL', ['read', '--node', 'localhost:4000'], /--node must be an http:\/\/ or https:\/\/ URL/],
    ['a --node that does not parse', ['read', '--node', 'nope'], /--node must be a URL like http:\/\/127\.0\.0\.1:4000/],
    ['a bad --timeout', ['read', '--timeout', 'soon'], /must be a positive number of milliseconds/],
    ['no command at all', [], /Usage: parking/],
  ])('exits 2 with a message on %s', async (_what, args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.io.connects).toHaveLength(0);
  });

  it('reports a bad PARKING_NODE by name', async () => {
    const r = await cli(['read'], undefined, { PARKING_NODE: 'ftp://x' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/PARKING_NODE must be an http/);
  });

  it('prints help for every command on stdout and exits 0', async () => {
    for (const command of ['start', 'track-entry', 'track-exit', 'read', 'status', 'members', 'gates', 'console']) {
      const r = await cli([command, '--help']);
      expect(r.code, command).toBe(0);
      expect(r.stdout, command).toMatch(new RegExp(`Usage: parking ${command}`));
      expect(r.stdout.split('\n')[2], command).not.toBe('');
    }
    const top = await cli(['--help']);
    expect(top.stdout).toMatch(/Exit codes: 0 done, 1 refused by the lot, 2 usage or config error, 3 node unreachable/);
  });

  it('prints the version', async () => {
    const r = await cli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
