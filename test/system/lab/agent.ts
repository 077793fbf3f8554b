/**
 * The test's only window on the lab network: a query agent (client/agent.mjs) running inside a lab
 * host, driven over its stdin/stdout. Every question the test asks a node goes through here.
 */
import { join } from 'node:path';
import { ROOT } from './nodes.js';
import type { Host, Lab } from './lab.js';
import type { LabProcess } from './process.js';

/** Where the lab clients (plain .mjs, run inside lab hosts) live. */
export const CLIENT_DIR = join(ROOT, 'test', 'system', 'client');

/**
 * One node's answer to a GET through the agent. `body` is the parsed JSON, typed as the caller of
 * {@link Agent.get} says the path answers (src/types.ts); the agent does not validate it.
 */
export interface AgentResult<Body = unknown> {
  url: string;
  status?: number;
  body?: Body;
  error?: string;
}

/** A line the agent writes in answer to a command (client/agent.mjs lists them). */
interface AgentReply {
  id: number;
  error?: string;
  results?: AgentResult[];
}

/** A query agent in a lab host. */
export class Agent {
  readonly proc: LabProcess;
  #next = 0;
  #pending = new Map<number, (msg: AgentReply) => void>();
  #buffer = '';

  private constructor(proc: LabProcess) {
    this.proc = proc;
    proc.child.stdout!.on('data', (d: string) => {
      this.#buffer += d;
      let nl: number;
      while ((nl = this.#buffer.indexOf('\n')) >= 0) {
        const line = this.#buffer.slice(0, nl);
        this.#buffer = this.#buffer.slice(nl + 1);
        try {
          const msg = JSON.parse(line) as Partial<AgentReply>;
          if (msg.id !== undefined) this.#pending.get(msg.id)?.(msg as AgentReply);
        } catch {
          // not a reply line
        }
      }
    });
  }

  /** Starts an agent in `host` and waits for its ready line. */
  static async start(lab: Lab, host: Host): Promise<Agent> {
    // A higher priority than the nodes': it must open a starting node's event stream in the moment
    // between its listen and its first gate, while every node of the lab boots on two cores.
    const proc = lab.spawn(host, ['nice', '-n', '-10', process.execPath, join(CLIENT_DIR, 'agent.mjs')], { stdin: true });
    await proc.waitForOutput(/"ready":true/, 10_000);
    return new Agent(proc);
  }

  #call(msg: Record<string, unknown>, timeoutMs: number): Promise<AgentReply> {
    const id = ++this.#next;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`agent in ${this.proc.host.name} did not answer ${String(msg.cmd)} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, (reply) => {
        clearTimeout(timer);
        this.#pending.delete(id);
        if (reply.error !== undefined) reject(new Error(reply.error));
        else resolve(reply);
      });
      this.proc.child.stdin!.write(`${JSON.stringify({ ...msg, id })}\n`);
    });
  }

  /** GET `path` from every url, in parallel, each bounded by `timeoutMs`; `Body` is what `path` answers. */
  async get<Body = unknown>(urls: string[], path: string, timeoutMs = 2000): Promise<AgentResult<Body>[]> {
    const reply = await this.#call({ cmd: 'get', urls, path, timeoutMs }, timeoutMs + 5000);
    return reply.results as AgentResult<Body>[];
  }

  /** The body of each url's 200 answer to GET `path` (undefined for any other answer), in url order. */
  async bodies<Body>(urls: string[], path: string, timeoutMs = 2000): Promise<(Body | undefined)[]> {
    const results = await this.get<Body>(urls, path, timeoutMs);
    return urls.map((_, i) => (results[i]?.status === 200 ? results[i].body : undefined));
  }

  /** Starts (or retargets) the background /status monitor, appending samples to `file`. */
  async monitor(urls: string[], file: string, intervalMs = 250): Promise<void> {
    await this.#call({ cmd: 'monitor', urls, file, intervalMs }, 5000);
  }

  /**
   * Records every url's `GET /events` stream into `file` (JSON lines; client/agent.mjs says what they
   * hold), reconnecting while the url is listed. A new call replaces the list.
   */
  async record(urls: string[], file: string): Promise<void> {
    await this.#call({ cmd: 'record', urls, file }, 5000);
  }

  async unrecord(): Promise<void> {
    await this.#call({ cmd: 'unrecord' }, 5000);
  }

  async unmonitor(): Promise<void> {
    await this.#call({ cmd: 'unmonitor' }, 5000);
  }

  async close(): Promise<void> {
    this.proc.child.stdin!.end();
    const timer = setTimeout(() => this.proc.signal('SIGKILL'), 3000);
    await this.proc.exited;
    clearTimeout(timer);
  }
}
