/**
 * Output for people: short lines and aligned tables, shared by the CLI and the REPL dot-commands.
 * Pure functions of the API's JSON plus `now` (so "today" is decided by the caller's clock, and tests
 * can pin it). Times are shown in the local time zone of the terminal.
 */
import { isParkingError } from '../errors.js';
import type { Car, ClusterView, ExitResult, LotView, NodeStatus } from '../types.js';

/**
 * Makes text from the network safe to print: control characters (C0, DEL, C1) become `\xNN` /
 * `\uNNNN` escapes, so a hostile plate cannot move the cursor or clear the screen.
 */
export function sanitize(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point: they are what gets escaped
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

const two = (n: number): string => String(n).padStart(2, '0');

/** `16:02:11` for a time today, `2024-05-01 16:02:11` otherwise. */
export function formatTime(ms: number, now: number): string {
  const d = new Date(ms);
  const today = new Date(now);
  const clock = `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  const sameDay = d.getFullYear() === today.getFullYear() && d.getMonth() === today.getMonth() && d.getDate() === today.getDate();
  return sameDay ? clock : `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${clock}`;
}

/** A duration in its two largest units: `850ms`, `42s`, `12m 05s`, `3h 02m`, `2d 04h`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${two(s % 60)}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${two(m % 60)}m`;
  return `${Math.floor(h / 24)}d ${two(h % 24)}h`;
}

/** Visible width, counting code points rather than UTF-16 units (close enough without wcwidth). */
function width(text: string): number {
  return [...text].length;
}

/**
 * Aligns rows under a header; columns listed in `right` are right-aligned (numbers). The last
 * column is never padded, so lines carry no trailing spaces.
 */
export function formatTable(header: string[], rows: string[][], right: number[] = []): string {
  const all = [header, ...rows];
  const widths = header.map((_, col) => Math.max(...all.map((row) => width(row[col] ?? ''))));
  return all
    .map((row) =>
      row
        .map((cell, col) => {
          const pad = ' '.repeat(widths[col]! - width(cell));
          if (right.includes(col)) return pad + cell;
          return col === row.length - 1 ? cell : cell + pad;
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `ABC 123 entered at gate 1 (node n1, 16:02:11)` */
export function formatEntry(car: Car, now: number): string {
  return `${sanitize(car.plate)} entered at gate ${car.gate} (node ${sanitize(car.node)}, ${formatTime(car.enteredAt, now)})`;
}

/** `ABC 123 left at gate 2 after 12m 05s (entered at gate 1, node n1)` */
export function formatExit(result: ExitResult, now: number): string {
  const { car } = result;
  return `${sanitize(car.plate)} left at gate ${result.gate} after ${formatDuration(result.stayMs)} (entered at gate ${car.gate} at ${formatTime(car.enteredAt, now)}, node ${sanitize(car.node)})`;
}

/** `occupied 3/100, free 97` */
export function formatCounts(view: { occupied: number; spaces: number; free: number }): string {
  return `occupied ${view.occupied}/${view.spaces}, free ${view.free}`;
}

/** The cars inside as a PLATE / GATE / SINCE / NODE table (oldest first), then the counts. */
export function formatLot(view: LotView, now: number): string {
  const cars = [...view.cars].sort((a, b) => a.enteredAt - b.enteredAt || a.plate.localeCompare(b.plate));
  const rows = cars.map((c) => [sanitize(c.plate), String(c.gate), formatTime(c.enteredAt, now), sanitize(c.node)]);
  const table = rows.length === 0 ? 'no cars inside' : formatTable(['PLATE', 'GATE', 'SINCE', 'NODE'], rows, [1]);
  return `${table}\n${formatCounts(view)}`;
}

/** The node's status as aligned `key  value` lines. */
export function formatStatus(status: NodeStatus): string {
  const owned = status.gatesOwned.length === 0 ? 'none' : status.gatesOwned.join(', ');
  const rows: [string, string][] = [
    ['node', `${sanitize(status.name)} (${sanitize(status.url)})`],
    ['cluster', sanitize(status.cluster)],
    ['version', sanitize(status.version)],
    ['uptime', formatDuration(status.uptimeMs)],
    ['ready', status.ready ? 'yes' : 'no'],
    ['lot', formatCounts(status)],
    ['gates', `${status.gates} (owned here: ${owned})`],
    ['members', `${status.membersAlive} alive`],
  ];
  return rows.map(([k, v]) => `${k.padEnd(8)}  ${v}`).join('\n');
}

/** Members as seen by the answering node, its own name marked `(self)`. */
export function formatMembers(view: ClusterView, now: number): string {
  const rows = view.members.map((m) => [
    sanitize(m.name) + (m.name === view.self ? ' (self)' : ''),
    m.status,
    sanitize(m.url),
    m.since === undefined ? '-' : formatTime(m.since, now),
  ]);
  return formatTable(['NAME', 'STATUS', 'URL', 'SINCE'], rows);
}

/** Each gate and the node running its worker (`-` while it has none). */
export function formatGates(view: ClusterView, now: number): string {
  const gates = [...view.gates].sort((a, b) => a.gate - b.gate);
  const rows = gates.map((g) => [String(g.gate), g.node === null ? '-' : sanitize(g.node), formatTime(g.since, now)]);
  return formatTable(['GATE', 'NODE', 'SINCE'], rows, [0]);
}

/** The code and message of any thrown value; non-parking errors count as ERR_INTERNAL. */
export function errorParts(err: unknown): { code: string; message: string } {
  if (isParkingError(err)) return { code: err.code, message: err.message };
  return { code: 'ERR_INTERNAL', message: err instanceof Error ? err.message : String(err) };
}

/** `error ERR_LOT_FULL: the lot is full: 100 of 100 spaces taken` */
export function formatError(err: unknown): string {
  const { code, message } = errorParts(err);
  return `error ${code}: ${sanitize(message)}`;
}
