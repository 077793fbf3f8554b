/**
 * Checks a recorded run again, offline (no lab, no root): the histories, the nodes' events and what
 * the harness did, as `finish()` left them in `test/system/results/work/<scenario>/`.
 *
 *   npx tsc -p tsconfig.system.json
 *   node dist/system/test/system/check-run.js 05-freeze      # rules, and every gate's runs
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Car } from '../../src/types.js';
import { checkLot } from './checker/check-lot.js';
import { lives, loadEvents, type Mark } from './checker/events.js';
import { loadHistory, type Window } from './checker/history.js';
import { checkSingleOwner, runsOf, type Disconnection } from './checker/ownership.js';
import { formatRules, RULES } from './checker/rules.js';
import { checkVisits } from './checker/visits.js';
import { checkStallJudgements } from './checker/stall.js';
import { LAB_TIMING } from './lab/nodes.js';
import { RESULTS_DIR } from './scenario.js';

const name = process.argv[2];
if (name === undefined) throw new Error('usage: check-run.js <scenario>   (a directory of test/system/results/work)');
const dir = join(RESULTS_DIR, 'work', name);
const saved = JSON.parse(readFileSync(join(dir, 'faults.json'), 'utf8')) as {
  marks: Mark[];
  windows: Window[];
  disconnections: Disconnection[];
  gates: number;
  lots?: { node: string; cars: Car[] }[];
};
// JSON has no Infinity: an open period was written as null.
const ends = <T extends { end: number | null }>(list: T[]) => list.map((w) => ({ ...w, end: w.end ?? Number.POSITIVE_INFINITY }));
const windows = ends(saved.windows);
const disconnections = ends(saved.disconnections);
const history = loadHistory(
  ...readdirSync(dir)
    .filter((f) => f.startsWith('history-'))
    .map((f) => join(dir, f)),
);
const recorded = lives(loadEvents(join(dir, 'events.jsonl')), saved.marks);
const t0 = Math.min(...saved.marks.map((m) => m.t));
const s = (t: number) => (Number.isFinite(t) ? ((t - t0) / 1000).toFixed(3) : 'end');
const byStarted = recorded.some((l) => l.events.some((e) => e.type === 'gate:started'));
for (const life of recorded) {
  const runs = runsOf(life, byStarted)
    .map((r) => `g${r.gate} ${s(r.start)}..${s(r.end)}${r.from === 'snapshot' ? '*' : ''}`)
    .join(', ');
  console.log(`${life.node} ${s(life.start)}..${s(life.end)} events ${life.events.length}: ${runs}`);
}
const rules = formatRules(
  checkLot(history, saved.lots?.[0]?.cars ?? [], windows),
  checkVisits(history, recorded, windows),
  checkSingleOwner(recorded, disconnections, saved.gates),
  checkStallJudgements(recorded, disconnections, Number(LAB_TIMING.PARKING_FAILURE_TIMEOUT_MS)),
  t0,
);
for (const rule of RULES) console.log(`rule ${rule}: ${rules[rule].length} violation(s)\n${rules[rule].join('\n')}`);
