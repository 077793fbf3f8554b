/**
 * How the console evaluates a line: node's default eval (parsing, multi-line input, top-level
 * await), plus three things it lacks:
 * - a promise result is awaited before printing, so `read()` prints the lot, not `Promise {...}`;
 * - a ParkingError prints as `ERR_CODE: message`, without a stack;
 * - lines run strictly one after another. Node's REPL evaluates each line as soon as it arrives, so
 *   in piped input a `.read` would overtake the `.entry` before it.
 */
import type { REPLEval, REPLServer, REPLWriter } from 'node:repl';
import { sanitize } from '../cli/format.js';
import { isParkingError } from '../errors.js';

/** Runs tasks one at a time, in order. */
export interface LineQueue {
  enqueue(task: () => Promise<void>): void;
  /** True while a task runs or waits. */
  busy(): boolean;
  /** Resolves when every task enqueued so far has finished. */
  drained(): Promise<void>;
}

/** A {@link LineQueue}. A failing task never stalls the ones after it. */
export function createLineQueue(): LineQueue {
  let tail: Promise<void> = Promise.resolve();
  let pending = 0;
  return {
    enqueue(task) {
      pending += 1;
      tail = tail
        .then(task)
        .catch(() => undefined)
        .finally(() => {
          pending -= 1;
        });
    },
    busy: () => pending > 0,
    drained: () => tail,
  };
}

/** `ERR_LOT_FULL: the lot is full: 1 of 1 spaces taken` */
export function shortError(err: { code: string; message: string }): string {
  return `${err.code}: ${sanitize(err.message)}`;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** Replaces `server.eval` and `server.writer` with the awaiting, ordered, short-error versions. */
export function installEval(server: REPLServer, output: NodeJS.WritableStream, queue: LineQueue): void {
  const defaultEval = server.eval;
  const defaultWriter = server.writer;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- kept to be called later with server as this (.call)
  const defaultDisplayPrompt = server.displayPrompt;
  /** Ends the line being evaluated; see displayPrompt below. */
  let endCurrent: (() => void) | undefined;

  const awaitingEval: REPLEval = (cmd, context, file, callback) => {
    queue.enqueue(
      () =>
        new Promise<void>((resolve) => {
          const end = (): void => {
            if (endCurrent === end) endCurrent = undefined;
            resolve();
          };
          endCurrent = end;
          const finish = (err: Error | null, value?: unknown): void => {
            if (err !== null && isParkingError(err)) {
              output.write(`${shortError(err)}\n`);
              callback(null, undefined);
            } else {
              callback(err, value);
            }
            end();
          };
          defaultEval.call(server, cmd, context, file, (err, value) => {
            if (err === null && isThenable(value))
              value.then(
                (v) => finish(null, v),
                (e: unknown) => finish(e instanceof Error ? e : new Error(String(e))),
              );
            else finish(err, value);
          });
        }),
    );
  };

  // With an explicit `await`, node settles a rejection itself: it never calls our callback and
  // prints "Uncaught " + writer(error) before showing the prompt again. The writer keeps that short,
  // and the prompt marks the end of the line, so the queue moves on.
  const writer = ((value: unknown) => (isParkingError(value) ? shortError(value) : defaultWriter.call(server, value))) as REPLWriter;
  // node reads writer.options (inspect options, colours) from the writer it is given.
  (writer as unknown as { options: unknown }).options = (defaultWriter as unknown as { options: unknown }).options;
  server.displayPrompt = (preserveCursor?: boolean): void => {
    endCurrent?.();
    defaultDisplayPrompt.call(server, preserveCursor);
  };

  // eval and writer are typed readonly, but replacing them on the instance is how a wrapper keeps
  // node's own parsing, multi-line input and top-level await (node:repl reads both via `this`).
  (server as { eval: REPLEval }).eval = awaitingEval;
  (server as { writer: REPLWriter }).writer = writer;
}
