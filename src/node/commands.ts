/**
 * The node's commands and queries (ParkingApi): what the HTTP API, the REPL and in-process callers
 * use. Commands are validated here, then sent to their gate's worker wherever it runs (the router);
 * queries read this replica and this node's view of the cluster.
 */
import type { Clock } from '../clock.js';
import type { Membership } from '../cluster/membership.js';
import type { Config } from '../config/schema.js';
import type { LotDocument } from '../crdt/lot-document.js';
import { GateUnavailableError, isParkingError, NodeStoppingError } from '../errors.js';
import type { CommandRouter } from '../gates/command-router.js';
import type { GateService } from '../gates/gate-service.js';
import type { GateTable } from '../gates/gate-table.js';
import { validateCommand } from '../lot/index.js';
import type { Metrics } from '../metrics.js';
import { randomId } from '../random.js';
import type { Car, ClusterView, CommandOptions, ExitResult, LotView, NodeStatus, ParkingApi } from '../types.js';
import { VERSION } from '../version.js';
import type { NodeIdentity } from './identity.js';

/** Where a node is in its life. */
export type NodeState = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

export interface NodeCommandsOptions {
  config: Config;
  identity: NodeIdentity;
  clock: Clock;
  metrics: Metrics;
  lot: LotDocument;
  membership: Membership;
  table: GateTable;
  service: GateService;
  router: CommandRouter;
  /** The node's state and readiness, read at each call. */
  state: () => NodeState;
  readiness: () => { ready: boolean; reason?: string };
  /** monotonic() when the node started. */
  startedAt: () => number;
}

export class NodeCommands implements ParkingApi {
  private readonly o: NodeCommandsOptions;

  constructor(options: NodeCommandsOptions) {
    this.o = options;
  }

  async trackEntry(plate: string, gate: number, options: CommandOptions = {}): Promise<Car> {
    return (await this.command('entry', plate, gate, options)) as Car;
  }

  async trackExit(plate: string, gate: number, options: CommandOptions = {}): Promise<ExitResult> {
    return (await this.command('exit', plate, gate, options)) as ExitResult;
  }

  /** Queries answer from this replica at once; they are async only to share ParkingApi with the HTTP client. */
  read(): Promise<LotView> {
    const { lot, config } = this.o;
    const occupied = lot.occupied;
    return Promise.resolve({ spaces: config.spaces, occupied, free: Math.max(0, config.spaces - occupied), cars: lot.cars() });
  }

  cluster(): Promise<ClusterView> {
    return Promise.resolve({ self: this.o.identity.name, members: this.o.membership.view(), gates: this.o.table.view() });
  }

  status(): Promise<NodeStatus> {
    const { identity, config, lot, clock } = this.o;
    const occupied = lot.occupied;
    return Promise.resolve({
      name: identity.name,
      url: identity.url,
      cluster: config.cluster,
      incarnation: identity.incarnation,
      version: VERSION,
      uptimeMs: Math.round(clock.monotonic() - this.o.startedAt()),
      ready: this.o.readiness().ready,
      spaces: config.spaces,
      occupied,
      free: Math.max(0, config.spaces - occupied),
      gates: config.gates,
      gatesOwned: this.o.service.owned(),
      membersAlive: this.o.membership.liveNames().length,
    });
  }

  private async command(op: 'entry' | 'exit', plate: unknown, gate: unknown, options: CommandOptions): Promise<Car | ExitResult> {
    const state = this.o.state();
    if (state === 'new' || state === 'starting')
      throw new GateUnavailableError(typeof gate === 'number' ? gate : 0, 'the node is still starting');
    if (state !== 'running') throw new NodeStoppingError();
    let valid: { plate: string; gate: number };
    try {
      valid = validateCommand(plate, gate, this.o.config.gates);
    } catch (err) {
      if (isParkingError(err)) this.o.metrics.rejections.inc({ code: err.code });
      throw err;
    }
    return this.o.router.execute({ op, ...valid, requestId: options.requestId ?? randomId(12) });
  }
}
