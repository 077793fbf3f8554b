/**
 * The real `parking` executable: a node started with `parking start` as a process, driven by the
 * CLI as separate processes, the way people and scripts use it. Exit codes and output formats are
 * the contract of docs/cli.md.
 */
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Car, LotView, NodeStatus } from '../../../src/types.js';
import { BIN, killAll, runCli, spawnProcess, startNode, type NodeProcess } from '../../support/process-node.js';

let lot: NodeProcess;
let tiny: NodeProcess;

beforeAll(async () => {
  [lot, tiny] = await Promise.all([
    startNode(['--port', '0', '--discovery', 'none', '--name', 'cli-a', '--gates', '4', '--spaces', '100']),
    startNode(['--port', '0', '--discovery', 'none', '--name', 'cli-b', '--gates', '2', '--spaces', '1']),
  ]);
});
afterAll(killAll);

const at = (node: NodeProcess) => ['--node', node.url];

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('parking start', () => {
  it('prints exactly one ready line naming the node and its url', () => {
    expect(lot.stdout()).toBe(`parking node cli-a ready at ${lot.url}\n`);
    expect(lot.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it.each([
    ['--gates', '0', 'gates'],
    ['--spaces', '-1', 'spaces'],
    ['--port', '70000', 'port'],
  ])('exits 2 on %s %s, naming the field', async (flag, value, field) => {
    const r = await runCli(['start', '--no-repl', '--discovery', 'none', flag, value]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^error ERR_INVALID_CONFIG: invalid config ${field}: `));
    expect(r.stdout).toBe('');
  });

  it.each([['SIGTERM'], ['SIGINT']] as const)('stops gracefully on %s and exits 0', async (signal) => {
    const node = await startNode(['--port', '0', '--discovery', 'none']);
    expect(await node.kill(signal), node.describe()).toBe(0);
    expect(node.stderr()).toMatch(/node stopping/);
    expect(node.stderr()).toMatch(/node stopped/);
  });
});

describe('parking track-entry, track-exit, read, status, members, gates', () => {
  it('records an entry and an exit and shows them in read', async () => {
    const entry = await runCli(['track-entry', ' abc  123 ', '1', ...at(lot)]);
    expect(entry.code, entry.stderr).toBe(0);
    expect(entry.stdout).toMatch(/^ABC 123 entered at gate 1 \(node cli-a, \d\d:\d\d:\d\d\)\n$/);

    const read = await runCli(['read', ...at(lot)]);
    expect(read.code).toBe(0);
    expect(read.stdout).toMatch(/^PLATE +GATE +SINCE +NODE\nABC 123 +1 +\d\d:\d\d:\d\d +cli-a\noccupied 1\/100, free 99\n$/);

    const exit = await runCli(['track-exit', 'ABC 123', '3', ...at(lot)]);
    expect(exit.code, exit.stderr).toBe(0);
    expect(exit.stdout).toMatch(/^ABC 123 left at gate 3 after \S+ \(entered at gate 1 at \d\d:\d\d:\d\d, node cli-a\)\n$/);
  });

  it('prints status, members and gates', async () => {
    const [status, members, gates] = await Promise.all([
      runCli(['status', ...at(lot)]),
      runCli(['members', ...at(lot)]),
      runCli(['gates', ...at(lot)]),
    ]);
    expect(status.stdout).toMatch(/^node +cli-a \(http:\/\/127\.0\.0\.1:\d+\)\n[\s\S]*gates +4 \(owned here: 1, 2, 3, 4\)/);
    expect(members.stdout).toMatch(/^NAME +STATUS +URL +SINCE\ncli-a \(self\) +alive +http:\/\/127\.0\.0\.1:\d+/);
    expect(gates.stdout.trim().split('\n')).toHaveLength(5);
    for (const r of [status, members, gates]) expect(r.code, r.stderr).toBe(0);
  });

  it('--json prints the API answer and the error JSON', async () => {
    const entry = await runCli(['track-entry', 'JSON 1', '2', '--json', ...at(lot)]);
    const car = JSON.parse(entry.stdout) as Car;
    expect(car).toMatchObject({ plate: 'JSON 1', gate: 2, node: 'cli-a' });
    expect(typeof car.enteredAt).toBe('number');
    const read = await runCli(['read', '--json', ...at(lot)]);
    expect((JSON.parse(read.stdout) as LotView).cars).toEqual(expect.arrayContaining([expect.objectContaining({ plate: 'JSON 1' })]));
    const status = await runCli(['status', '--json', ...at(lot)]);
    expect(JSON.parse(status.stdout)).toMatchObject({ name: 'cli-a', gates: 4, ready: true });
    const again = await runCli(['track-entry', 'JSON 1', '2', '--json', ...at(lot)]);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(JSON.parse(again.stderr)).toMatchObject({ error: { code: 'ERR_ALREADY_INSIDE' } });
  });
});

describe('refusals and failures map to exit codes', () => {
  it.each([
    ['an invalid plate', 1, 'ERR_INVALID_PLATE', ['track-entry', 'ABC_123', '1']],
    ['a plate in another script', 1, 'ERR_INVALID_PLATE', ['track-entry', 'Zürich 1', '1']],
    ['an unknown gate', 1, 'ERR_UNKNOWN_GATE', ['track-entry', 'GATE 9', '9']],
    ['a car that is not inside', 1, 'ERR_NOT_INSIDE', ['track-exit', 'NEVER 1', '1']],
    ['an empty plate', 1, 'ERR_INVALID_PLATE', ['track-entry', '', '1']],
  ] as const)('%s: exit %i with %s', async (_what, code, error, args) => {
    const r = await runCli([...args, ...at(lot)]);
    expect(r.code, r.stderr).toBe(code);
    expect(r.stderr).toMatch(new RegExp(`^error ${error}: `));
    expect(r.stdout).toBe('');
  });

  it('refuses a car already inside with exit 1', async () => {
    expect((await runCli(['track-entry', 'TWICE', '1', ...at(lot)])).code).toBe(0);
    const r = await runCli(['track-entry', 'twice', '2', ...at(lot)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error ERR_ALREADY_INSIDE: TWICE is already inside: entered at gate 1/);
  });

  it('refuses an entry into a full lot with exit 1', async () => {
    expect((await runCli(['track-entry', 'FIRST', '1', ...at(tiny)])).code).toBe(0);
    const r = await runCli(['track-entry', 'SECOND', '2', ...at(tiny)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error ERR_LOT_FULL: the lot is full: 1 of 1 spaces taken\n');
  });

  it('never echoes control characters to the terminal', async () => {
    const r = await runCli(['track-entry', 'AB\u001b[2J\u0007', '1', ...at(lot)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error ERR_INVALID_PLATE: /);
    // eslint-disable-next-line no-control-regex -- the point: no control character reaches the terminal
    expect(r.stderr + r.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });

  it('exits 2 on a gate that is not a positive integer, without contacting the node', async () => {
    const r = await runCli(['track-entry', 'ABC', 'one', '--node', 'http://127.0.0.1:1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/gate must be a positive integer, got "one"/);
  });

  it('exits 3 when the node is unreachable', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const r = await runCli(['read', '--node', url]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`^error ERR_NODE_UNREACHABLE: cannot reach ${url}`));
  });

  it('takes the node from PARKING_NODE', async () => {
    const r = await runCli(['status', '--json'], { env: { PARKING_NODE: lot.url } });
    expect((JSON.parse(r.stdout) as NodeStatus).name).toBe('cli-a');
  });
});

describe('startup cost of the client commands', () => {
  it('track-entry loads neither yjs, ws, zod, prom-client, pino nor the server', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parking-trace-'));
    const trace = join(dir, 'modules.txt');
    const hooks = join(dir, 'hooks.mjs');
    writeFileSync(
      hooks,
      `import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) { appendFileSync(${JSON.stringify(trace)}, url + '\\n'); return next(url, context); }\n`,
    );
    const register = join(dir, 'register.mjs');
    writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hooks}`)});\n`);
    const r = await runCli(['track-entry', 'TRACE 1', '1', ...at(lot)], { env: { NODE_OPTIONS: `--import ${register}` } });
    expect(r.code, r.stderr).toBe(0);
    const loaded = readFileSync(trace, 'utf8');
    expect(loaded).toContain('/dist/src/api/client.js');
    for (const heavy of [
      '/node_modules/yjs/',
      '/node_modules/ws/',
      '/node_modules/zod/',
      '/node_modules/prom-client/',
      '/node_modules/pino/',
      '/dist/src/api/server.js',
      '/dist/src/node.js',
      '/dist/src/repl/',
    ]) {
      expect(loaded, heavy).not.toContain(heavy);
    }
  });
});

describe('the console', () => {
  it('parking console runs piped lines in order against a running node', async () => {
    const script = ['.entry CONSOLE 1 2', '.read', 'trackExit("console 1", 3)', 'status()', ''].join('\n');
    const r = await runCli(['console', ...at(lot)], { input: script });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^parking\(cli-a\)> CONSOLE 1 entered at gate 2 \(node cli-a, /);
    let from = 0;
    for (const text of ['CONSOLE 1 entered', 'occupied', "plate: 'CONSOLE 1'", "name: 'cli-a'"]) {
      const index = r.stdout.indexOf(text, from);
      expect(index, `${text} after offset ${from} in\n${r.stdout}`).toBeGreaterThanOrEqual(0);
      from = index + text.length;
    }
  });

  it('parking console exits 3 when the node is unreachable', async () => {
    const r = await runCli(['console', '--node', `http://127.0.0.1:${await closedPort()}`]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^error ERR_NODE_UNREACHABLE: /);
  });

  it.runIf(existsSync('/usr/bin/script'))('parking start on a terminal opens the REPL; .exit stops the node and exits 0', async () => {
    const history = join(mkdtempSync(join(tmpdir(), 'parking-pty-')), 'history');
    const command = `'${process.execPath}' '${BIN}' start --port 0 --discovery none --name pty-1 --log-level warn`;
    // script(1) runs the command on a pseudo-terminal: stdin and stdout are TTYs, as for a person.
    const pty = spawnProcess(['-qefc', command, '/dev/null'], { command: 'script', env: { PARKING_HISTORY: history, TERM: 'dumb' } });
    await pty.waitFor(/parking node pty-1 ready at http:\/\/\S+/);
    await pty.waitFor(/parking\(pty-1\)> /);
    pty.child.stdin!.write('.entry PTY 1 1\r');
    await pty.waitFor(/PTY 1 entered at gate 1 \(node pty-1, /);
    pty.child.stdin!.write('trackEntry("PTY 1", 2)\r');
    await pty.waitFor(/ERR_ALREADY_INSIDE: PTY 1 is already inside/);
    pty.child.stdin!.write('.exit\r');
    expect(await pty.exited, pty.describe()).toBe(0);
    expect(readFileSync(history, 'utf8').split('\n')).toEqual(['.exit', 'trackEntry("PTY 1", 2)', '.entry PTY 1 1']);
  });
});
