/**
 * The rules of issue 10 ("What must hold") as the lab's checker enforces them, by name, and their
 * violations as readable lines. Every scenario checks every rule; a rule the code does not hold yet
 * in a scenario is asserted only with PKLAB_PENDING=1 (test/system/expect-rules.ts), and its
 * violations are printed in every run.
 *
 * - `never-undone` (a): an acknowledged entry or exit is never undone on any replica once converged:
 *   the final lot against the history (check-lot.ts: lost-entry, lost-exit) and, at every moment, the
 *   visits the nodes reported (visits.ts: entry-undone, exit-undone);
 * - `at-most-once` (b): a command is applied at most once, whoever owns its gate when it is retried
 *   (visits.ts: applied-twice);
 * - `honest-answers` (c): 200/201 means the change is in the lot, ERR_NOT_INSIDE means the car is not
 *   inside in a state that includes every acknowledged write, a refusal has no effect (visits.ts:
 *   ack-without-effect, refusal-with-effect, shared-ack, dishonest-not-inside; check-lot.ts: ghost-car, phantom-exit);
 * - `single-owner` (d): while the cluster is connected, at most one running owner per gate at every
 *   moment (ownership.ts);
 * - `stall-judgement` (e): a node that notices its own stall judges no peer until it has read what
 *   they sent (stall.ts).
 */
import type { LotCheck } from './check-lot.js';
import { formatViolations } from './check-lot.js';
import { formatOp } from './history.js';
import type { DoubleOwner } from './ownership.js';
import type { StallJudgement } from './stall.js';
import type { VisitViolation } from './visits.js';

export const RULES = ['never-undone', 'at-most-once', 'honest-answers', 'single-owner', 'stall-judgement'] as const;
export type Rule = (typeof RULES)[number];

const RULE_OF: Record<VisitViolation['kind'] | LotCheck['violations'][number]['kind'], Rule> = {
  'lost-entry': 'never-undone',
  'lost-exit': 'never-undone',
  'entry-undone': 'never-undone',
  'exit-undone': 'never-undone',
  'lots-differ': 'never-undone',
  'applied-twice': 'at-most-once',
  'ack-without-effect': 'honest-answers',
  'refusal-with-effect': 'honest-answers',
  'shared-ack': 'honest-answers',
  'dishonest-not-inside': 'honest-answers',
  'ghost-car': 'honest-answers',
  'phantom-exit': 'honest-answers',
};

/** The violations of each rule, one readable block each (times relative to `t0`, in s). */
export function formatRules(
  check: LotCheck,
  visits: VisitViolation[],
  owners: DoubleOwner[],
  stalls: StallJudgement[],
  t0: number,
): Record<Rule, string[]> {
  const out: Record<Rule, string[]> = {
    'never-undone': [],
    'at-most-once': [],
    'honest-answers': [],
    'single-owner': [],
    'stall-judgement': [],
  };
  for (const v of check.violations) out[RULE_OF[v.kind]].push(formatViolations([v], t0));
  for (const v of visits)
    out[RULE_OF[v.kind]].push([`${v.kind} ${v.plate}: ${v.message}`, ...v.ops.map((o) => `    ${formatOp(o, t0)}`)].join('\n'));
  const s = (t: number) => ((t - t0) / 1000).toFixed(3);
  for (const d of owners)
    out['single-owner'].push(
      `gate ${d.gate} ran on ${d.nodes[0]} and ${d.nodes[1]} from ${s(d.start)} to ${s(d.end)} s (${Math.round(d.end - d.start)} ms; ` +
        `runs ${d.runs.map((r) => `${r.node} ${s(r.start)}..${Number.isFinite(r.end) ? s(r.end) : 'end'} (${r.from})`).join(', ')})`,
    );
  for (const j of stalls)
    out['stall-judgement'].push(
      `${j.node}, resumed at ${s(j.resumedAt)} s, declared ${j.peer} dead at ${s(j.at)} s, though ${j.peer} ran and was reachable throughout`,
    );
  return out;
}
