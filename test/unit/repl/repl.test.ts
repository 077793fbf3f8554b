import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { stripVTControlCharacters as stripAnsi } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCarArgs, startRepl, type ReplHandle } from '../../../src/repl/index.js';
import { NodeUnreachableError } from '../../../src/errors.js';
import { CLI_NODE, FAKE_NOW, FakeParkingApi } from '../../support/fake-api.js';
import { eventually } from '../../support/eventually.js';

interface Session {
  api: FakeParkingApi;
  repl: ReplHandle;
  input: PassThrough;
  /** Everything written so far, ANSI codes removed. */
  screen(): string;
  /** Types a line (Enter included) and waits until `expected` shows up after it. */
  type(line: string, expected: string | RegExp): Promise<string>;
}

const open: ReplHandle[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.close()));
});

function session(options: { terminal?: boolean; historyFile?: string; api?: FakeParkingApi } = {}): Session {
  const api = options.api ?? new FakeParkingApi(CLI_NODE);
  const input = new PassThrough();
  const output = new PassThrough();
  let raw = '';
  output.on('data', (chunk: Buffer) => (raw += chunk.toString()));
  const terminal = options.terminal ?? true;
  const repl = startRepl({
    api,
    name: 'n1',
    input,
    output,
    terminal,
    now: () => FAKE_NOW,
    events: api,
    ...(options.historyFile ? { historyFile: options.historyFile } : {}),
  });
  open.push(repl);
  const screen = (): string => stripAnsi(raw);
  return {
    api,
    repl,
    input,
    screen,
    async type(line, expected) {
      const before = screen().length;
      input.write(`${line}${terminal ? '\r' : '\n'}`);
      const after = (): string => screen().slice(before);
      await eventually(() => (typeof expected === 'string' ? after().includes(expected) : expected.test(after())), {
        message: () => `${JSON.stringify(expected)} after ${JSON.stringify(line)}; screen:\n${screen()}`,
      });
      // The prompt after the answer shows the REPL is ready for the next line.
      await eventually(() => after().trimEnd().endsWith('parking(n1)>'), {
        message: () => `the prompt after ${JSON.stringify(line)}; screen:\n${screen()}`,
      });
      return after();
    },
  };
}

describe('console functions', () => {
  it('shows the node name in the prompt', async () => {
    const s = session();
    await eventually(() => s.screen().includes('parking(n1)> '), { message: 'the prompt' });
  });

  it('awaits trackEntry and prints the car', async () => {
    const s = session();
    const out = await s.type('trackEntry("abc 123", 1)', "plate: 'ABC 123'");
    expect(out).toMatch(/gate: 1/);
    expect(out).not.toMatch(/Promise/);
  });

  it('awaits trackExit, read, members, gates, status and cluster', async () => {
    const s = session();
    await s.type('trackEntry("ABC 123", 1)', "plate: 'ABC 123'");
    expect(await s.type('read()', 'occupied: 1')).toMatch(/free: 99/);
    expect(await s.type('members()', "name: 'n2'")).toMatch(/status: 'suspect'/);
    expect(await s.type('gates()', 'gate: 4')).toMatch(/node: null/);
    expect(await s.type('status()', "cluster: 'parking'")).toMatch(/gatesOwned: \[ 1, 3 \]/);
    expect(await s.type('cluster()', "self: 'n1'")).toMatch(/members: \[/);
    expect(await s.type('trackExit("ABC 123", 2)', 'stayMs: 0')).toMatch(/exitedAt/);
  });

  it('supports top-level await and plain expressions', async () => {
    const s = session();
    expect(await s.type('const lot = await read(); lot.free', '100')).toBeTruthy();
    expect(await s.type('1 + 1', '2')).toBeTruthy();
  });

  it('prints a refusal as "CODE: message" without a stack, and stays usable', async () => {
    const s = session({ api: new FakeParkingApi({ ...CLI_NODE, spaces: 1 }) });
    await s.type('trackEntry("A 1", 1)', "plate: 'A 1'");
    const out = await s.type('trackEntry("B 2", 1)', 'ERR_LOT_FULL: the lot is full: 1 of 1 spaces taken');
    expect(out).not.toMatch(/\n\s+at /);
    expect(out).not.toMatch(/Uncaught/);
    await s.type('read()', 'occupied: 1');
    // With an explicit await node reports the rejection itself ("Uncaught ..."), still without a stack.
    const awaited = await s.type('await trackExit("nope", 1)', 'ERR_NOT_INSIDE: NOPE is not inside');
    expect(awaited).not.toMatch(/\n\s+at /);
    await s.type('read()', 'occupied: 1');
  });

  it('prints an unreachable node the same way', async () => {
    const s = session();
    s.api.fail = new NodeUnreachableError('http://127.0.0.1:4000', 'connect ECONNREFUSED');
    await s.type('status()', 'ERR_NODE_UNREACHABLE: cannot reach http://127.0.0.1:4000: connect ECONNREFUSED');
  });
});

describe('console dot-commands', () => {
  it('.entry takes the last token as the gate, so plates may contain spaces', async () => {
    const s = session();
    await s.type('.entry ABC 123 1', 'ABC 123 entered at gate 1 (node n1, 16:02:11)');
    await s.type('.entry "xy 9" 2', 'XY 9 entered at gate 2 (node n1, 16:02:11)');
    expect(s.api.calls.map((c) => `${c.op} ${c.plate} ${c.gate}`)).toEqual(['trackEntry ABC 123 1', 'trackEntry xy 9 2']);
  });

  it('.exit with a plate and a gate tracks an exit', async () => {
    const s = session();
    await s.type('.entry ABC 123 1', 'entered');
    await s.type('.exit ABC 123 3', 'ABC 123 left at gate 3 after 0ms (entered at gate 1 at 16:02:11, node n1)');
  });

  it('.read, .members, .gates and .status print the CLI tables', async () => {
    const s = session();
    await s.type('.entry ABC 123 1', 'entered');
    await s.type('.read', 'PLATE    GATE  SINCE     NODE\nABC 123     1  16:02:11  n1\noccupied 1/100, free 99');
    await s.type('.members', 'n1 (self)  alive');
    await s.type('.gates', 'GATE  NODE  SINCE');
    await s.type('.status', 'lot       occupied 1/100, free 99');
  });

  it('prints usage for a missing or bad gate without calling the node', async () => {
    const s = session();
    await s.type('.entry ABC x', 'usage: .entry <plate> <gate>: gate must be a positive integer, got "x"');
    await s.type('.entry ABC', 'usage: .entry <plate> <gate>: expected <plate> <gate>');
    await s.type('.entry', 'usage: .entry <plate> <gate>: expected <plate> <gate>');
    await s.type('.exit ABC 0', 'usage: .exit <plate> <gate>');
    expect(s.api.calls).toEqual([]);
  });

  it('prints a refusal and stays usable', async () => {
    const s = session();
    await s.type('.exit NOPE 1', 'ERR_NOT_INSIDE: NOPE is not inside');
    await s.type('.entry NOPE 9', 'ERR_UNKNOWN_GATE: unknown gate 9: gates are 1..4');
    await s.type('.entry NOPE 1', 'NOPE entered at gate 1');
  });

  it('.help lists the commands with their help', async () => {
    const s = session();
    const out = await s.type('.help', '.status');
    for (const cmd of ['.entry', '.exit', '.read', '.members', '.gates', '.status']) expect(out).toContain(cmd);
    expect(out).toMatch(/with no arguments, close the console/);
  });

  it('.exit alone closes the console', async () => {
    const s = session();
    s.input.write('.exit\r');
    await s.repl.closed;
  });

  it('Ctrl-D closes the console', async () => {
    const s = session();
    s.input.write('\x04');
    await s.repl.closed;
  });
});

describe('console input and terminal features', () => {
  it('runs piped lines in order and closes after the last one at end of input', async () => {
    const s = session({ terminal: false });
    s.input.end('.entry A 1\n.read\ntrackEntry("B", 2)\n.exit A 1\nread()\n');
    await s.repl.closed;
    const screen = s.screen();
    const order = ['A entered at gate 1', 'occupied 1/100', "plate: 'B'", 'A left at gate 1', 'occupied: 1'].map((t) => screen.indexOf(t));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('offers trackEntry and trackExit on tab after "trac"', async () => {
    const s = session();
    // Readline lists the candidates on the second tab. Each tab is its own write: readline pauses
    // the input while it completes, so the second one waits in the stream instead of being lost.
    s.input.write('trac\t');
    s.input.write('\t');
    await eventually(() => /trackEntry[\s\S]*trackExit/.test(s.screen()), { message: () => `the completions; screen:\n${s.screen()}` });
    const [completions] = await new Promise<[string[], string]>((resolve, reject) =>
      s.repl.server.completer('trac', (err, result) => (err ? reject(err) : resolve(result as [string[], string]))),
    );
    expect(completions).toEqual(expect.arrayContaining(['trackEntry', 'trackExit']));
  });

  it('writes each line to the history file', async () => {
    const historyFile = join(mkdtempSync(join(tmpdir(), 'parking-repl-')), 'history');
    const s = session({ historyFile });
    await s.type('.read', 'occupied 0/100');
    await s.type('status()', 'ready: true');
    await eventually(() => existsSync(historyFile) && readFileSync(historyFile, 'utf8').includes('status()'), {
      message: 'the history file',
    });
    // Newest first, as node's REPL keeps it.
    expect(readFileSync(historyFile, 'utf8').split('\n')).toEqual(['status()', '.read']);
  });

  it('prints member and gate events above the prompt and redraws the prompt', async () => {
    const s = session();
    await eventually(() => s.screen().includes('parking(n1)> '), { message: 'the prompt' });
    s.input.write('rea');
    s.api.emit('member:up', { name: 'n2', url: 'http://127.0.0.1:4001', status: 'alive' });
    s.api.emit('gate:moved', { gate: 3, from: null, to: 'n2' });
    await eventually(() => /gate 3 moved - -> n2\n.*parking\(n1\)> rea$/s.test(s.screen()), {
      message: () => `the event lines; screen:\n${s.screen()}`,
    });
    expect(s.screen()).toContain('member n2 up\n');
    // The half-typed line survived.
    s.input.write('d()\r');
    await eventually(() => s.screen().includes('occupied: 0'), { message: 'read() to run' });
  });
});

describe('parseCarArgs', () => {
  it.each([
    ['ABC 123 1', { plate: 'ABC 123', gate: 1 }],
    ['  AB  12   7 ', { plate: 'AB  12', gate: 7 }],
    ['"ABC 123" 2', { plate: 'ABC 123', gate: 2 }],
    ["'x' 3", { plate: 'x', gate: 3 }],
  ])('parses %j', (text, expected) => {
    expect(parseCarArgs(text)).toEqual(expected);
  });

  it.each(['', 'ABC', '1', 'ABC x', 'ABC 0', 'ABC 01', 'ABC -2', 'ABC 99999999999999999999'])('rejects %j', (text) => {
    expect(parseCarArgs(text)).toHaveProperty('error');
  });
});
