/**
 * What the server remembers of each request until it is answered (when it started, the route label,
 * what failed), and what it records once the answer goes out: one `httpDuration` observation and
 * one log line. Kept apart from fastify's request object, so nothing is added to fastify's types.
 */
import type { FastifyRequest } from 'fastify';
import type { Clock } from '../clock.js';
import { isParkingError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';

/** Methods that get their own metric label; any other token becomes `OTHER`, so labels stay bounded. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);

/** The route label of a request that matched no route. */
export const UNMATCHED = 'unmatched';

interface Exchange {
  started: number;
  /** The metric label: the route's path, or {@link UNMATCHED}, so a client cannot create labels. */
  route: string;
  /** What made it fail, for the log line. */
  failure?: unknown;
}

/** The bookkeeping of one server's requests. */
export class Exchanges {
  private readonly open = new WeakMap<FastifyRequest, Exchange>();

  constructor(private readonly deps: { clock: Clock; metrics: Metrics; log: Logger }) {}

  /** Starts the clock of `request`, labelled `route`. */
  begin(request: FastifyRequest, route: string): void {
    this.open.set(request, { started: this.deps.clock.monotonic(), route });
  }

  /** Relabels `request`: a 405 is labelled with the path it was refused on. */
  relabel(request: FastifyRequest, route: string): void {
    const exchange = this.open.get(request);
    if (exchange !== undefined) exchange.route = route;
  }

  /** Remembers why `request` failed, for the log line of its answer. */
  fail(request: FastifyRequest, failure: unknown): void {
    const exchange = this.open.get(request);
    if (exchange !== undefined) exchange.failure = failure;
  }

  /** Records the answer to `request` (once): the latency metric and the log line. */
  end(request: FastifyRequest, status: number): void {
    const exchange = this.open.get(request);
    if (exchange === undefined) return;
    this.open.delete(request);
    const { clock, metrics, log } = this.deps;
    const ms = clock.monotonic() - exchange.started;
    const method = KNOWN_METHODS.has(request.method) ? request.method : 'OTHER';
    const labels = { method, route: exchange.route, status: String(status) };
    metrics.httpDuration.observe(labels, ms / 1000);
    const failure = exchange.failure;
    // A 503 from /readyz or /healthz is an answer, not a failure: probes poll it every few
    // seconds while a node joins, and error lines there would drown real ones.
    // A coded 503 (stopping, a gate moving) is an expected answer: logged without a stack.
    if (status === 503 && failure !== undefined && isParkingError(failure))
      log.info({ ...labels, ms, code: failure.code }, 'request refused');
    else if (status >= 500 && failure !== undefined) log.error({ ...labels, ms, err: failure }, 'request failed');
    else log.debug({ ...labels, ms }, 'request');
  }
}
