/**
 * A local node's membership and gate events, printed in the console above the prompt so that they
 * do not garble a half-typed line: clear the line, print, redraw prompt and line.
 */
import { clearLine, cursorTo } from 'node:readline';
import type { REPLServer } from 'node:repl';
import { sanitize } from '../cli/format.js';

/**
 * The node's event source as the console uses it: the untyped overload of EventEmitter's on/off,
 * which every emitter (typed or not, src/node.ts or a test fake) satisfies.
 */
export interface ReplEvents {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

interface MemberPayload {
  name: string;
  status?: string;
}
interface GatePayload {
  gate: number;
  from: string | null;
  to: string | null;
}

/** The line printed for each event, e.g. `member n2 down`, `gate 3 moved n2 -> n1`. */
export const EVENT_LINES = {
  'member:up': (p: MemberPayload) => `member ${sanitize(p.name)} up`,
  'member:suspect': (p: MemberPayload) => `member ${sanitize(p.name)} suspect`,
  'member:down': (p: MemberPayload) => `member ${sanitize(p.name)} down`,
  'member:left': (p: MemberPayload) => `member ${sanitize(p.name)} left`,
  'gate:moved': (p: GatePayload) => `gate ${p.gate} moved ${sanitize(p.from ?? '-')} -> ${sanitize(p.to ?? '-')}`,
  'gate:started': (p: GatePayload) => `gate ${p.gate} started here`,
  'gate:stopped': (p: GatePayload) => `gate ${p.gate} stopped here`,
} as const;

/**
 * Prints each event on `output`. While a command runs (`busy()`), the line is only written: the
 * command prints the prompt when it ends. Returns a function that stops watching.
 */
export function watchEvents(
  events: ReplEvents,
  server: REPLServer,
  output: NodeJS.WritableStream,
  terminal: boolean,
  busy: () => boolean,
): () => void {
  const listeners = Object.entries(EVENT_LINES).map(([event, line]) => {
    const listener = (...args: unknown[]): void => {
      // The node emits these events with one payload of this shape (src/node.ts, NodeEvents).
      const text = line(args[0] as MemberPayload & GatePayload);
      if (!terminal) {
        output.write(`${text}\n`);
        return;
      }
      // Back to column 0 and erase the line: removes the prompt and the half-typed input;
      // displayPrompt(true) redraws both with the cursor where it was.
      cursorTo(output, 0);
      clearLine(output, 0);
      output.write(`${text}\n`);
      if (!busy()) server.displayPrompt(true);
    };
    events.on(event, listener);
    return [event, listener] as const;
  });
  return () => {
    for (const [event, listener] of listeners) events.off(event, listener);
  };
}
