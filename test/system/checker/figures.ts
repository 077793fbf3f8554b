/**
 * Figures of a scenario, reported (never asserted on time): counts of operations by outcome, lost
 * writes, time from the last fault to convergence, the longest gate gap and the highest occupancy.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Op } from './history.js';

/** One scenario's figures. */
export interface Figures {
  scenario: string;
  operations: number;
  acknowledged: number;
  refused: number;
  unknown: number;
  /** Acknowledged writes missing from the final lot: must be 0. */
  lost: number;
  /** From the end of the last fault to the first converged observation, ms. */
  convergenceMs: number | null;
  /** Longest time a gate had no running owner (as the observer saw it), ms. */
  maxGateGapMs: number;
  /** The highest occupancy any node reported (more than `spaces` is overbooking: issue 11). */
  maxOccupancy: number;
  spaces: number;
  /** Events recorded from the nodes' streams. */
  events: number;
  /** Total time two nodes ran one gate while the cluster was connected (rule single-owner), ms. */
  doubleOwnerMs: number;
  /** Refusal and unknown codes, counted. */
  codes: Record<string, number>;
  durationMs: number;
}

/** Counts a history's outcomes. */
export function countOps(history: Op[]): Pick<Figures, 'operations' | 'acknowledged' | 'refused' | 'unknown' | 'codes'> {
  const codes: Record<string, number> = {};
  for (const op of history) if (op.type !== 'ok') codes[`${op.type}:${op.code ?? '?'}`] = (codes[`${op.type}:${op.code ?? '?'}`] ?? 0) + 1;
  return {
    operations: history.length,
    acknowledged: history.filter((o) => o.type === 'ok').length,
    refused: history.filter((o) => o.type === 'fail').length,
    unknown: history.filter((o) => o.type === 'info').length,
    codes,
  };
}

const COLUMNS: [keyof Figures, string][] = [
  ['scenario', 'scenario'],
  ['operations', 'ops'],
  ['acknowledged', 'ok'],
  ['refused', 'refused'],
  ['unknown', 'unknown'],
  ['lost', 'lost'],
  ['convergenceMs', 'converge ms'],
  ['maxGateGapMs', 'gate gap ms'],
  ['maxOccupancy', 'max occ'],
  ['spaces', 'spaces'],
  ['events', 'events'],
  ['doubleOwnerMs', 'double owner ms'],
];

/** A Markdown table of figures (the same one docs/system-tests.md shows). */
export function formatFigures(rows: Figures[]): string {
  const cell = (f: Figures, k: keyof Figures) => {
    const v = f[k];
    return v === null ? '-' : typeof v === 'number' ? String(Math.round(v)) : typeof v === 'string' ? v : JSON.stringify(v);
  };
  const head = `| ${COLUMNS.map(([, h]) => h).join(' | ')} |`;
  const sep = `|${COLUMNS.map(() => '---').join('|')}|`;
  return [head, sep, ...rows.map((r) => `| ${COLUMNS.map(([k]) => cell(r, k)).join(' | ')} |`)].join('\n');
}

/** Writes the figures to `test/system/results/<scenario>.json`. */
export function writeFigures(dir: string, figures: Figures): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${figures.scenario}.json`);
  writeFileSync(file, `${JSON.stringify(figures, null, 2)}\n`);
  return file;
}
