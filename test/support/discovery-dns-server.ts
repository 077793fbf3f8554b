/**
 * A tiny authoritative DNS server for discovery tests: UDP on 127.0.0.1, port 0, answering A and
 * SRV queries from a mutable table. A name that is in the table but has no records of the asked
 * type gets an empty NOERROR answer (NODATA); any other name gets NXDOMAIN. `silent = true` makes
 * it drop queries, to stand for a dead or unreachable server. Emits `query` after each query is
 * handled, so tests can wait for polls instead of sleeping.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { EventEmitter, once } from 'node:events';
import * as dnsPacket from 'dns-packet';

/** One SRV record: where to dial. */
export interface SrvRecord {
  target: string;
  port: number;
}

/** The records of one name. */
export interface NameRecords {
  a?: string[];
  srv?: SrvRecord[];
}

const NXDOMAIN = 3;
const TTL = 5;

/** A running test DNS server. Edit `records` at any time; the next query sees the change. */
export class DiscoveryDnsServer extends EventEmitter<{ query: [] }> {
  /** Records by lower-case fully qualified name, without the trailing dot. */
  readonly records = new Map<string, NameRecords>();
  /** When true, queries are read and dropped (the client times out). */
  silent = false;
  /** Queries received, answered or not. */
  queries = 0;
  readonly #socket: Socket;

  private constructor(socket: Socket) {
    super();
    this.#socket = socket;
    socket.on('message', (msg, rinfo) => this.#answer(msg, rinfo));
  }

  /** Starts a server on 127.0.0.1 at a free port. */
  static async start(): Promise<DiscoveryDnsServer> {
    const socket = createSocket('udp4');
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    return new DiscoveryDnsServer(socket);
  }

  /** `127.0.0.1:<port>`, for `dnsServers`. */
  get address(): string {
    return `127.0.0.1:${this.#socket.address().port}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }

  #answer(msg: Buffer, rinfo: RemoteInfo): void {
    this.queries += 1;
    try {
      if (!this.silent) this.#respond(msg, rinfo);
    } finally {
      this.emit('query');
    }
  }

  #respond(msg: Buffer, rinfo: RemoteInfo): void {
    let query: dnsPacket.DecodedPacket;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return;
    }
    const question = query.questions?.[0];
    if (question === undefined) return;
    const name = question.name.toLowerCase().replace(/\.$/, '');
    const entry = this.records.get(name);
    const answers: dnsPacket.Answer[] = [];
    if (entry !== undefined && question.type === 'A') {
      for (const ip of entry.a ?? []) answers.push({ type: 'A', name: question.name, ttl: TTL, data: ip });
    }
    if (entry !== undefined && question.type === 'SRV') {
      for (const srv of entry.srv ?? []) {
        answers.push({ type: 'SRV', name: question.name, ttl: TTL, data: { priority: 0, weight: 10, port: srv.port, target: srv.target } });
      }
    }
    const flags =
      dnsPacket.AUTHORITATIVE_ANSWER | ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | (entry === undefined ? NXDOMAIN : 0);
    const response = dnsPacket.encode({ type: 'response', id: query.id ?? 0, flags, questions: [question], answers });
    this.#socket.send(response, rinfo.port, rinfo.address);
  }
}
