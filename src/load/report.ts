/**
 * Text for people: the live progress line and the final summary of a load run. `--json` prints
 * the {@link LoadSummary} itself instead.
 */
import type { LoadProgress, LoadSummary } from './load-generator.js';

function ms(value: number): string {
  if (!Number.isFinite(value)) return '-';
  return value >= 100 ? `${value.toFixed(0)}ms` : value >= 10 ? `${value.toFixed(1)}ms` : `${value.toFixed(2)}ms`;
}

function counts(record: Record<string, number>): string {
  const entries = Object.entries(record).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? 'none' : entries.map(([code, n]) => `${code} ${n}`).join(', ');
}

/** One line, e.g. `12s  9,812 ops/s  p50 1.20ms p99 4.10ms  ok 117,330 refused 12 errors 0 in flight 64`. */
export function formatProgress(p: LoadProgress): string {
  return (
    `${(p.elapsedMs / 1000).toFixed(0).padStart(4)}s  ${Math.round(p.intervalOpsPerSec).toLocaleString('en-US').padStart(7)} ops/s  ` +
    `p50 ${ms(p.interval.p50)} p99 ${ms(p.interval.p99)}  ok ${p.ok.toLocaleString('en-US')} refused ${p.refused} errors ${p.errors} in flight ${p.inFlight}`
  );
}

/** The final summary, several lines. */
export function formatSummary(s: LoadSummary): string {
  const mode =
    s.mode.kind === 'rate' ? `rate ${s.mode.rate}/s (at most ${s.mode.maxInFlight} in flight)` : `concurrency ${s.mode.concurrency}`;
  const lines = [
    `load: ${mode} against ${s.targets} node${s.targets === 1 ? '' : 's'}, ${(s.elapsedMs / 1000).toFixed(1)}s`,
    `  acknowledged  ${s.ok.toLocaleString('en-US')} (${s.entries.toLocaleString('en-US')} entries, ${s.exits.toLocaleString('en-US')} exits), ${Math.round(s.opsPerSec).toLocaleString('en-US')} ops/s`,
    `  latency       p50 ${ms(s.latency.p50)}  p90 ${ms(s.latency.p90)}  p99 ${ms(s.latency.p99)}  max ${ms(s.latency.max)}  (${s.latency.count.toLocaleString('en-US')} answers)`,
    `  refusals      ${counts(s.refusals)}`,
    `  errors        ${counts(s.errors)}`,
  ];
  if (s.skipped > 0) lines.push(`  skipped       ${s.skipped.toLocaleString('en-US')} (the generator fell behind the rate)`);
  if (s.abandoned > 0) lines.push(`  abandoned     ${s.abandoned} still unanswered at the end`);
  return lines.join('\n');
}
