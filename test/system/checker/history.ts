/**
 * The history a lab run records: one line per client operation (written by client/load.mjs), plus the
 * periods during which faults were active. Loading is the only I/O here.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Car } from '../../../src/types.js';

/**
 * One operation as the client saw it. `type` follows Jepsen: `ok` acknowledged, `fail` refused with
 * no effect (a 4xx code on a clean attempt), `info` indeterminate (timeout, reset, 503 after an
 * attempt that may have reached a node): it may or may not have taken effect, at any time after
 * `invoke`.
 */
export interface Op {
  id: string;
  client: string;
  op: 'entry' | 'exit';
  plate: string;
  gate: number;
  /** URL of the node the last attempt went to. */
  node: string;
  /** Wall-clock ms (sub-ms precision) when the operation was invoked and when its result came. */
  invoke: number;
  complete: number;
  type: 'ok' | 'fail' | 'info';
  /** Error code for fail/info (`ERR_NOT_INSIDE`, `TIMEOUT`, ...). */
  code?: string;
  status?: number;
  attempts?: number;
  /** When retried: each attempt as `host:port status code`. */
  tries?: string[];
  /** For an acknowledged entry, the car it created; for an acknowledged exit, the car it removed. */
  car?: Car;
}

/** A period when replication was not guaranteed to reach every node (a fault until convergence). */
export interface Window {
  start: number;
  end: number;
  what?: string;
}

/** Reads a JSON-lines history file (missing file: empty history), sorted by invocation time. */
export function loadHistory(...files: string[]): Op[] {
  const ops: Op[] = [];
  for (const file of files) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n')) if (line.trim() !== '') ops.push(JSON.parse(line) as Op);
  }
  return ops.sort((a, b) => a.invoke - b.invoke);
}

/** Same car: the visit a result names (plate, gate, node and entry time identify it). */
export function sameCar(a: Car | undefined, b: Car | undefined): boolean {
  return a !== undefined && b !== undefined && a.plate === b.plate && a.gate === b.gate && a.node === b.node && a.enteredAt === b.enteredAt;
}

/** One line per operation, for failure reports. */
export function formatOp(op: Op, t0 = 0): string {
  const t = (x: number) => ((x - t0) / 1000).toFixed(3).padStart(8);
  const res = op.type === 'ok' ? `ok${op.car ? ` car@${op.car.enteredAt}/${op.car.node}` : ''}` : `${op.type} ${op.code ?? ''}`;
  const tries = op.tries !== undefined ? ` (tries: ${op.tries.join('; ')})` : '';
  return `${t(op.invoke)} .. ${t(op.complete)}  ${op.id.padEnd(12)} ${op.op.padEnd(5)} ${op.plate} gate ${op.gate} via ${op.node.replace('http://', '')}: ${res}${tries}`;
}
