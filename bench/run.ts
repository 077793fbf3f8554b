/**
 * `npm run bench` (`node dist/bench/run.js`): runs every scenario against real `parking` processes on
 * loopback, writes bench/results/<timestamp>.json and prints the table of docs/performance.md.
 *
 *   --quick        smaller sizes and one repeat (< 2 minutes)
 *   --smoke        tiny sizes, one repeat (the integration test: checks that everything runs)
 *   --only a,b     only these scenarios (latency, throughput, wire, failover, catchup, growth)
 *   --repeats N    repeats per measured run (default 3, 1 with --quick/--smoke)
 *   --out DIR      where the JSON goes (default bench/results)
 *   --help         this usage
 *
 * Every loop is bounded in count and time; the whole run has a hard deadline, after which every node
 * it started is killed and it exits 1.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { killAllNow, ROOT } from './lib/cluster.js';
import type { BenchContext, Preset } from './lib/context.js';
import { renderTable } from './lib/table.js';
import { catchUpScenario } from './scenarios/catch-up.js';
import { failoverScenario } from './scenarios/failover.js';
import { growthScenario } from './scenarios/growth.js';
import { latencyScenario } from './scenarios/latency.js';
import { throughputScenario } from './scenarios/throughput.js';
import { wireScenario } from './scenarios/wire.js';

const SCENARIOS = ['latency', 'throughput', 'wire', 'failover', 'catchup', 'growth'] as const;
type Scenario = (typeof SCENARIOS)[number];

interface Args {
  preset: Preset;
  only: Scenario[];
  repeats: number;
  out: string;
}

function usage(message: string): never {
  process.stderr.write(
    `bench: ${message}\nusage: node dist/bench/run.js [--quick|--smoke] [--only ${SCENARIOS.join(',')}] [--repeats N] [--out DIR]\n`,
  );
  process.exit(2);
}

function parseArguments(argv: string[]): Args {
  let values: { quick?: boolean; smoke?: boolean; help?: boolean; only?: string; repeats?: string; out?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        quick: { type: 'boolean' },
        smoke: { type: 'boolean' },
        help: { type: 'boolean' },
        only: { type: 'string' },
        repeats: { type: 'string' },
        out: { type: 'string' },
      },
    }));
  } catch (err) {
    usage((err as Error).message);
  }
  if (values.help === true) {
    process.stdout.write(`usage: node dist/bench/run.js [--quick|--smoke] [--only ${SCENARIOS.join(',')}] [--repeats N] [--out DIR]\n`);
    process.exit(0);
  }
  const preset: Preset = values.smoke === true ? 'smoke' : values.quick === true ? 'quick' : 'full';
  let only: Scenario[] = [...SCENARIOS];
  if (values.only !== undefined) {
    const list = values.only.split(',').filter((s) => s !== '');
    for (const s of list) if (!(SCENARIOS as readonly string[]).includes(s)) usage(`unknown scenario ${JSON.stringify(s)}`);
    only = list as Scenario[];
  }
  let repeats: number | undefined;
  if (values.repeats !== undefined) {
    repeats = Number(values.repeats);
    if (!Number.isSafeInteger(repeats) || repeats < 1 || repeats > 20) usage('--repeats must be an integer in 1..20');
  }
  return { preset, only, repeats: repeats ?? (preset === 'full' ? 3 : 1), out: values.out ?? join(ROOT, 'bench', 'results') };
}

/** The machine, for the results file and the docs. */
function machine(): Record<string, unknown> {
  const list = cpus();
  return {
    cpu: list[0]?.model ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

async function main(): Promise<void> {
  const args = parseArguments(process.argv.slice(2));
  const hardDeadlineMs = args.preset === 'full' ? 15 * 60_000 : args.preset === 'quick' ? 4 * 60_000 : 3 * 60_000;
  const deadline = setTimeout(() => {
    process.stderr.write(`bench: gave up after ${hardDeadlineMs / 1000} s\n`);
    killAllNow();
    process.exit(1);
  }, hardDeadlineMs);
  deadline.unref();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      killAllNow();
      process.exit(130);
    });
  }
  const started = performance.now();
  const ctx: BenchContext = {
    preset: args.preset,
    repeats: args.repeats,
    log: (m) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)}s] ${m}\n`),
  };
  const results: Record<string, unknown> = {};
  const seconds: Record<string, number> = {};
  const run = async (name: Scenario, fn: () => Promise<unknown>): Promise<void> => {
    if (!args.only.includes(name)) return;
    ctx.log(`${name}: start`);
    const t = performance.now();
    results[name] = await fn();
    seconds[name] = Math.round((performance.now() - t) / 100) / 10;
    ctx.log(`${name}: done in ${seconds[name]} s`);
  };
  try {
    await run('latency', () => latencyScenario(ctx));
    await run('throughput', () => throughputScenario(ctx));
    await run('wire', () => wireScenario(ctx, results));
    await run('failover', () => failoverScenario(ctx));
    await run('catchup', () => catchUpScenario(ctx));
    await run('growth', () => growthScenario(ctx));
  } finally {
    killAllNow();
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const report = {
    startedAt: new Date(performance.timeOrigin).toISOString(),
    preset: args.preset,
    repeats: args.repeats,
    machine: machine(),
    seconds,
    totalSeconds: Math.round((performance.now() - started) / 100) / 10,
    results,
  };
  mkdirSync(args.out, { recursive: true });
  const file = join(args.out, `${stamp}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${renderTable(report)}\n`);
  ctx.log(`results written to ${file}`);
  clearTimeout(deadline);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
    killAllNow();
    process.exit(1);
  },
);
