/**
 * A scenario run in the lab: the lab itself, an observer host with the query agent (never cut by a
 * partition, so it sees both sides), parking nodes, load clients, fault windows, and at the end the
 * checker and the figures. Scenarios (scenarios/*.test.ts) read as: start nodes, start load, fault,
 * heal, `finish()`, assert on the report.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterView, LotView, NodeStatus } from '../../src/types.js';
import { Agent, CLIENT_DIR } from './lab/agent.js';
import { ClusterDns } from './lab/dns.js';
import { Lab, LAB_NET, type Host } from './lab/lab.js';
import { LAB_TIMING, NODE_PORT, ROOT, startNode, type LabNode, type NodeSpec } from './lab/nodes.js';
import { freeze, thaw } from './lab/faults.js';
import type { LabProcess } from './lab/process.js';
import { delay, waitFor } from './lab/sh.js';
import { BASE_OPS, opsDeadlineMs, readScale } from './lab/scale.js';
import { checkLot, compareLots, formatViolations, type LotCheck } from './checker/check-lot.js';
import { judgeConvergence, longestGateGap, maxOccupancy, type MonitorSample, type NodeAnswers } from './checker/convergence.js';
import { countOps, formatFigures, writeFigures, type Figures } from './checker/figures.js';
import { loadHistory, type Op, type Window } from './checker/history.js';
import { lives, loadEvents, type Life, type Mark } from './checker/events.js';
import { checkSingleOwner, type Disconnection, type DoubleOwner } from './checker/ownership.js';
import { checkVisits, type VisitViolation } from './checker/visits.js';
import { checkStallJudgements } from './checker/stall.js';
import { formatRules, RULES, type Rule } from './checker/rules.js';

/** Load defaults: 4 sequential workers per client, at most 20 operations/s each. */
export const LOAD_WORKERS = 4;
export const LOAD_RATE = 20;

/** Figures, histories and node logs of the last run (gitignored). */
export const RESULTS_DIR = join(ROOT, 'test', 'system', 'results');
/** The DNS host's well-known address (like kube-dns's cluster IP). */
export const DNS_IP = `${LAB_NET}.2`;

/** Options of a scenario's lot and lab. */
export interface ScenarioOptions {
  gates?: number;
  spaces?: number;
  /** Start the cluster DNS (dnsmasq) and give every host a resolv.conf pointing at it. */
  dns?: boolean;
}

/** Options of one load client. */
export interface LoadOptions {
  /** Upper bound of the client's run; the scenario stops it earlier, once its operations are done. */
  durationMs?: number;
  workers?: number;
  /** Operations per second per worker. */
  rate?: number;
  plates?: string[];
  /** Nodes to send to (default: every node started so far). */
  urls?: string[];
}

/**
 * How a fault bears on the checker. `split`: a network fault (partition, cut, loss, bandwidth): sides
 * may miss each other's writes until convergence, and each may run the gates it cannot see run;
 * `partial`: a partial partition (A reaches B and C, B and C are cut): writes may miss a side until
 * convergence, but the cluster stays connected through A, so a gate still has one owner at a time;
 * `pause`: a process stopped (SIGSTOP) until its SIGCONT; `process`: a crash, kill, restart or join,
 * which relaxes no rule (every acknowledged write is on every survivor).
 */
export type FaultKind = 'split' | 'partial' | 'pause' | 'process';

/** What `finish()` found. */
export interface Report {
  figures: Figures;
  check: LotCheck;
  history: Op[];
  lotsDiffer: string[];
  /** Violations of each rule of issue 10 (checker/rules.ts), as readable lines. */
  rules: Record<Rule, string[]>;
  lives: Life[];
  doubleOwners: DoubleOwner[];
  visitViolations: VisitViolation[];
}

/** One scenario's lab, nodes, clients and records. */
export class Scenario {
  readonly name: string;
  readonly lab: Lab;
  readonly agent: Agent;
  readonly dns: ClusterDns | undefined;
  readonly nodes = new Map<string, LabNode>();
  readonly gates: number;
  readonly spaces: number;
  readonly seed: number;
  /** PKLAB_SCALE: every operation target is multiplied by it (lab/scale.ts). */
  readonly scale: number;
  readonly workDir: string;
  readonly logDir: string;
  /** Network faults, from their start to the first converged observation after them. */
  readonly windows: Window[] = [];
  /** Network faults and pauses, from their start to their physical end (heal, SIGCONT). */
  readonly disconnections: Disconnection[] = [];
  /** What the harness did to node processes, for the event checker. */
  readonly marks: Mark[] = [];
  readonly startedAt = Date.now();
  #loads: { proc: LabProcess; file: string }[] = [];
  #pendingFaultEnd: number | undefined;
  #convergenceMs: number | null = null;
  #recording = new Set<string>();
  #seq = 0;

  private constructor(
    name: string,
    lab: Lab,
    agent: Agent,
    dns: ClusterDns | undefined,
    options: ScenarioOptions,
    workDir: string,
    logDir: string,
  ) {
    this.name = name;
    this.lab = lab;
    this.agent = agent;
    this.dns = dns;
    this.gates = options.gates ?? 4;
    this.spaces = options.spaces ?? 100;
    this.seed = Number(process.env.PKLAB_SEED ?? Math.floor(Math.random() * 2 ** 31));
    this.scale = readScale();
    this.workDir = workDir;
    this.logDir = logDir;
  }

  /** Builds the lab (and the DNS when asked) and the observer with its monitor. */
  static async open(name: string, options: ScenarioOptions = {}): Promise<Scenario> {
    const workDir = join(RESULTS_DIR, 'work', name);
    const logDir = join(RESULTS_DIR, 'logs', name);
    for (const d of [workDir, logDir]) {
      rmSync(d, { recursive: true, force: true });
      mkdirSync(d, { recursive: true });
    }
    const lab = await Lab.create(options.dns === true ? { dnsIp: DNS_IP } : {});
    try {
      let dns: ClusterDns | undefined;
      if (options.dns === true) {
        dns = new ClusterDns(lab, await lab.addHost('dns', DNS_IP), workDir);
        await dns.start();
      }
      const agent = await Agent.start(lab, await lab.addHost('obs'));
      const s = new Scenario(name, lab, agent, dns, options, workDir, logDir);
      console.log(`[${name}] seed ${s.seed}, scale ${s.scale} (rerun with PKLAB_SEED=${s.seed} PKLAB_SCALE=${s.scale})`);
      return s;
    } catch (err) {
      await lab.destroy();
      throw err;
    }
  }

  /** A lab host by name, created on first use. */
  async host(name: string): Promise<Host> {
    return this.lab.hosts.get(name) ?? this.lab.addHost(name);
  }

  /** Starts a node on host `name` (created if needed). */
  async startNode(name: string, spec: NodeSpec): Promise<LabNode> {
    const host = await this.host(name);
    const url = `http://${host.ip}:${NODE_PORT}`;
    // Record its events from its first moment: the agent dials until the node listens.
    this.#recording.add(url);
    await this.agent.record([...this.#recording], join(this.workDir, 'events.jsonl'));
    this.marks.push({ t: Date.now(), kind: 'start', node: name, url });
    const node = await startNode(this.lab, host, { gates: this.gates, spaces: this.spaces, ...spec }, this.logDir);
    void node.proc.exited.then(() => this.marks.push({ t: Date.now(), kind: 'exit', node: name, url }));
    this.nodes.set(name, node);
    await this.#retarget();
    return node;
  }

  /** Stops the node's process (SIGSTOP): a pause, until {@link resume}. */
  pause(node: LabNode): void {
    this.faultBegins(`SIGSTOP ${node.name}`, 'pause');
    this.marks.push({ t: Date.now(), kind: 'pause', node: node.name, url: node.url });
    freeze(node);
  }

  /** Resumes a paused node (SIGCONT): the end of the pause. */
  resume(node: LabNode): void {
    thaw(node);
    this.marks.push({ t: Date.now(), kind: 'resume', node: node.name, url: node.url });
    this.faultEnds();
  }

  /** Starts nodes on hosts `names` with static discovery (every node lists all others). */
  async startStatic(names: string[], env?: Record<string, string>): Promise<LabNode[]> {
    const hosts = await Promise.all(names.map((n) => this.host(n)));
    const peers = hosts.map((h) => `${h.ip}:4000`);
    return Promise.all(names.map((n) => this.startNode(n, { discovery: 'static', peers, ...(env ? { env } : {}) })));
  }

  /** The live node that runs the most gates now (ties: the first by name). */
  async busiest(exclude: LabNode[] = []): Promise<LabNode> {
    const candidates = this.live().filter((n) => !exclude.includes(n));
    const status = await this.agent.bodies<NodeStatus>(this.urls(candidates), '/status', 1500);
    let best = candidates[0]!;
    let most = -1;
    candidates.forEach((n, i) => {
      const owned = status[i]?.gatesOwned.length ?? -1;
      if (owned > most) [best, most] = [n, owned];
    });
    return best;
  }

  /** Nodes whose process is running (frozen ones included). */
  live(): LabNode[] {
    return [...this.nodes.values()].filter((n) => n.proc.running);
  }

  urls(nodes: LabNode[] = this.live()): string[] {
    return nodes.map((n) => n.url);
  }

  // The monitor and the load clients follow the set of nodes (a file the load re-reads).
  async #retarget(): Promise<void> {
    const urls = this.urls([...this.nodes.values()]);
    writeFileSync(join(this.workDir, 'targets.json'), JSON.stringify(urls));
    await this.agent.monitor(urls, join(this.workDir, 'monitor.jsonl'));
  }

  /** Forgets a node (a pod removed for good): no longer a target of load or monitor. */
  async forget(name: string): Promise<void> {
    this.nodes.delete(name);
    await this.#retarget();
  }

  /** /cluster, /lot and /status of each url, through the agent. */
  async answers(urls: string[]): Promise<NodeAnswers[]> {
    const [cluster, lot, status] = await Promise.all([
      this.agent.bodies<ClusterView>(urls, '/cluster', 1500),
      this.agent.bodies<LotView>(urls, '/lot', 1500),
      this.agent.bodies<NodeStatus>(urls, '/status', 1500),
    ]);
    return urls.map((url, i) => ({ url, cluster: cluster[i], lot: lot[i], status: status[i] }));
  }

  /**
   * Waits until the given nodes (default: every live one) agree on members, lot and gate owners.
   * Closes the open fault windows at that moment. Returns when it converged.
   */
  async waitConverged(nodes: LabNode[] = this.live(), timeoutMs = 30_000): Promise<number> {
    const names = nodes.map((n) => n.name);
    let why = '';
    const at = await waitFor(
      `convergence of ${names.join(',')}`,
      timeoutMs,
      async () => {
        const verdict = judgeConvergence(await this.answers(this.urls(nodes)), names, this.gates);
        why = verdict.problems.join('; ');
        return verdict.ok ? Date.now() : undefined;
      },
      150,
      () => why,
    );
    for (const w of this.windows) if (!Number.isFinite(w.end)) w.end = at;
    if (this.#pendingFaultEnd !== undefined) this.#convergenceMs = at - this.#pendingFaultEnd;
    this.#pendingFaultEnd = undefined;
    return at;
  }

  /**
   * Marks the start of a fault. A `split` (network fault) opens a window in which replication may not
   * reach every node, until convergence; a `split` or a `pause` disconnects the cluster until its
   * physical end ({@link faultEnds}) for the single-owner rule (checker/ownership.ts).
   */
  faultBegins(what: string, kind: FaultKind = 'process'): void {
    const now = Date.now();
    if (kind === 'split' || kind === 'partial') this.windows.push({ start: now, end: Number.POSITIVE_INFINITY, what });
    if (kind === 'split' || kind === 'pause') this.disconnections.push({ start: now, end: Number.POSITIVE_INFINITY, kind, what });
    console.log(`[${this.name}] ${((now - this.startedAt) / 1000).toFixed(1)}s fault (${kind}): ${what}`);
  }

  /** Marks the physical end of the faults in force (heal, thaw, restart done): convergence is timed from here. */
  faultEnds(): void {
    const now = Date.now();
    this.#pendingFaultEnd = now;
    for (const d of this.disconnections) if (!Number.isFinite(d.end)) d.end = now;
  }

  /** Starts a load client in lab host `hostName`; `finish()` waits for it. */
  async load(hostName: string, options: LoadOptions): Promise<LabProcess> {
    const host = await this.host(hostName);
    const id = `c${++this.#seq}`;
    const file = join(this.workDir, `history-${id}.jsonl`);
    const config = {
      client: id,
      urls: options.urls ?? this.urls(),
      urlsFile: options.urls === undefined ? join(this.workDir, 'targets.json') : undefined,
      plates: options.plates ?? Array.from({ length: 30 }, (_, i) => `LAB ${100 + i}`),
      gates: this.gates,
      workers: options.workers ?? LOAD_WORKERS,
      rate: options.rate ?? LOAD_RATE,
      durationMs: options.durationMs ?? opsDeadlineMs(BASE_OPS * 4 * this.scale),
      seed: this.seed + this.#seq,
      historyFile: file,
      requestTimeoutMs: 8000,
      opDeadlineMs: 10_000,
    };
    const configFile = join(this.workDir, `load-${id}.json`);
    writeFileSync(configFile, JSON.stringify(config));
    const proc = this.lab.spawn(host, [process.execPath, join(CLIENT_DIR, 'load.mjs'), configFile], {
      logFile: join(this.logDir, `load-${id}.log`),
    });
    this.#loads.push({ proc, file });
    return proc;
  }

  /** Operations completed so far by every load client (lines of their histories). */
  ops(): number {
    let n = 0;
    for (const { file } of this.#loads) {
      if (!existsSync(file)) continue;
      const text = readFileSync(file, 'utf8');
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
    }
    return n;
  }

  /** A load phase: waits until `ops` × scale more operations have completed (bounded). */
  async runOps(ops: number): Promise<void> {
    const target = this.ops() + ops * this.scale;
    await this.#untilOps(target);
  }

  /**
   * A fault's length: at least `minMs` (when the fault must outlast a timeout), and until `ops` ×
   * scale more operations have completed under it.
   */
  async hold(minMs: number, ops: number): Promise<void> {
    const target = this.ops() + ops * this.scale;
    if (minMs > 0) await delay(minMs);
    await this.#untilOps(target);
  }

  async #untilOps(target: number): Promise<void> {
    const start = this.ops();
    await waitFor(
      `${target} operations`,
      opsDeadlineMs(Math.max(0, target - start)),
      async () => (this.ops() >= target ? true : undefined),
      100,
      () => `${this.ops()} done`,
    );
  }

  /** Stops the load clients cleanly (no new operation; running ones complete). */
  stopLoads(): void {
    for (const { proc } of this.#loads) proc.signal('SIGTERM');
  }

  /** Waits for the load clients (each is bounded by its duration plus one operation's deadline). */
  async loadsDone(): Promise<void> {
    for (const { proc } of this.#loads) {
      const timer = setTimeout(() => proc.signal('SIGKILL'), 60_000);
      const code = await proc.exited;
      clearTimeout(timer);
      if (code !== 0) throw new Error(`load client in ${proc.host.name} exited with ${code}: ${proc.stderr.slice(-2000)}`);
    }
  }

  /**
   * Ends the run: waits for the loads, then for convergence of the live nodes, checks the final lot
   * against the history, computes and writes the figures, prints the table and any violation.
   */
  async finish(options: { ops?: number } = {}): Promise<Report> {
    if (options.ops !== undefined) await this.#untilOps(options.ops * this.scale);
    this.stopLoads();
    await this.loadsDone();
    await this.waitConverged();
    await this.agent.unmonitor();
    const answers = await this.answers(this.urls());
    // The answers' round trip let the nodes flush the events of the last changes.
    await this.agent.unrecord();
    const lots = answers.map((a) => ({ node: a.cluster?.self ?? a.url, cars: a.lot?.cars ?? [] }));
    const lotsDiffer = compareLots(lots);
    const history = loadHistory(...this.#loads.map((l) => l.file));
    const check = checkLot(history, lots[0]?.cars ?? [], this.windows);
    // What the harness did, beside the histories and events, so a run can be checked again offline.
    writeFileSync(
      join(this.workDir, 'faults.json'),
      JSON.stringify({ marks: this.marks, windows: this.windows, disconnections: this.disconnections, gates: this.gates, lots }, null, 1),
    );
    const recorded = lives(loadEvents(join(this.workDir, 'events.jsonl')), this.marks);
    const doubleOwners = checkSingleOwner(recorded, this.disconnections, this.gates);
    const visitViolations = checkVisits(history, recorded, this.windows);
    const stalls = checkStallJudgements(recorded, this.disconnections, Number(LAB_TIMING.PARKING_FAILURE_TIMEOUT_MS));
    const rules = formatRules(check, visitViolations, doubleOwners, stalls, this.startedAt);
    const samples = readSamples(join(this.workDir, 'monitor.jsonl'));
    const occupancy = maxOccupancy(samples);
    const figures: Figures = {
      scenario: this.name,
      ...countOps(history),
      lost: check.lost,
      convergenceMs: this.#convergenceMs,
      maxGateGapMs: Math.round(longestGateGap(samples, this.gates).ms),
      maxOccupancy: occupancy.occupied,
      spaces: occupancy.spaces || this.spaces,
      events: recorded.reduce((n, l) => n + l.events.length, 0),
      doubleOwnerMs: Math.round(doubleOwners.reduce((ms, d) => ms + (d.end - d.start), 0)),
      durationMs: Date.now() - this.startedAt,
    };
    writeFigures(RESULTS_DIR, figures);
    console.log(`[${this.name}] figures\n${formatFigures([figures])}\ncodes ${JSON.stringify(figures.codes)}`);
    const violations = `${check.violations.length} violation(s):\n${formatViolations(check.violations, this.startedAt)}`;
    if (!check.ok) console.log(`[${this.name}] checker found ${violations}`);
    if (lotsDiffer.length > 0) console.log(`[${this.name}] lots differ:\n${lotsDiffer.join('\n')}`);
    for (const rule of RULES)
      if (rules[rule].length > 0) console.log(`[${this.name}] rule ${rule}: ${rules[rule].length} violation(s)\n${rules[rule].join('\n')}`);
    return { figures, check, history, lotsDiffer, rules, lives: recorded, doubleOwners, visitViolations };
  }

  /** Stops everything and restores the root namespace. Always call it (in `finally`/`afterAll`). */
  async close(): Promise<void> {
    await this.agent.close().catch(() => undefined);
    await this.lab.destroy();
  }
}

function readSamples(file: string): MonitorSample[] {
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, 'utf8').split('\n');
  return lines.filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as MonitorSample);
}
