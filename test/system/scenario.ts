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
import { ROOT, startNode, type LabNode, type NodeSpec } from './lab/nodes.js';
import type { LabProcess } from './lab/process.js';
import { waitFor } from './lab/sh.js';
import { checkLot, compareLots, formatViolations, type LotCheck } from './checker/check-lot.js';
import { judgeConvergence, longestGateGap, maxOccupancy, type MonitorSample, type NodeAnswers } from './checker/convergence.js';
import { countOps, formatFigures, writeFigures, type Figures } from './checker/figures.js';
import { loadHistory, type Op, type Window } from './checker/history.js';

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
  durationMs: number;
  workers?: number;
  /** Operations per second per worker. */
  rate?: number;
  plates?: string[];
  /** Nodes to send to (default: every node started so far). */
  urls?: string[];
}

/** What `finish()` found. */
export interface Report {
  figures: Figures;
  check: LotCheck;
  history: Op[];
  lotsDiffer: string[];
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
  readonly workDir: string;
  readonly logDir: string;
  readonly windows: Window[] = [];
  readonly startedAt = Date.now();
  #loads: { proc: LabProcess; file: string }[] = [];
  #pendingFaultEnd: number | undefined;
  #convergenceMs: number | null = null;
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
      console.log(`[${name}] seed ${s.seed} (rerun with PKLAB_SEED=${s.seed})`);
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
    const node = await startNode(this.lab, await this.host(name), { gates: this.gates, spaces: this.spaces, ...spec }, this.logDir);
    this.nodes.set(name, node);
    await this.#retarget();
    return node;
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

  /** Marks the start of a fault: replication may not reach every node until convergence. */
  faultBegins(what: string): void {
    this.windows.push({ start: Date.now(), end: Number.POSITIVE_INFINITY, what });
    console.log(`[${this.name}] ${((Date.now() - this.startedAt) / 1000).toFixed(1)}s fault: ${what}`);
  }

  /** Marks the end of the last fault (heal, thaw, restart done): convergence is timed from here. */
  faultEnds(): void {
    this.#pendingFaultEnd = Date.now();
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
      workers: options.workers ?? 3,
      rate: options.rate ?? 5,
      durationMs: options.durationMs,
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
  async finish(): Promise<Report> {
    await this.loadsDone();
    await this.waitConverged();
    await this.agent.unmonitor();
    const answers = await this.answers(this.urls());
    const lots = answers.map((a) => ({ node: a.cluster?.self ?? a.url, cars: a.lot?.cars ?? [] }));
    const lotsDiffer = compareLots(lots);
    const history = loadHistory(...this.#loads.map((l) => l.file));
    const check = checkLot(history, lots[0]?.cars ?? [], this.windows);
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
      durationMs: Date.now() - this.startedAt,
    };
    writeFigures(RESULTS_DIR, figures);
    console.log(`[${this.name}] figures\n${formatFigures([figures])}\ncodes ${JSON.stringify(figures.codes)}`);
    const violations = `${check.violations.length} violation(s):\n${formatViolations(check.violations, this.startedAt)}`;
    if (!check.ok) console.log(`[${this.name}] checker found ${violations}`);
    if (lotsDiffer.length > 0) console.log(`[${this.name}] lots differ:\n${lotsDiffer.join('\n')}`);
    return { figures, check, history, lotsDiffer };
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
