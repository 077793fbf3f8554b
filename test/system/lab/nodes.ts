/**
 * Parking nodes in lab hosts: `node dist/src/cli/bin.js start` through `ip netns exec` with the
 * host's own UTS name, JSON logs to a file per node, short failure detection so that faults play out
 * in seconds. `npm run test:system` builds dist/ first.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Host, Lab } from './lab.js';
import type { LabProcess } from './process.js';

/** The repository root: found upwards from here, so the harness also runs compiled (tsconfig.system.json). */
export const ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

function findRoot(dir: string): string {
  for (let d = dir, i = 0; i < 10; i++, d = dirname(d))
    if (existsSync(join(d, 'package.json')) && existsSync(join(d, 'test', 'system'))) return d;
  throw new Error(`no repository root above ${dir}`);
}
export const BIN = join(ROOT, 'dist', 'src', 'cli', 'bin.js');
/** Every node listens on this port on its own host address. */
export const NODE_PORT = 4000;

/** Timing of the lab's nodes: production defaults are 500/1500/3000/5000/2000/5000. */
export const LAB_TIMING: Record<string, string> = {
  PARKING_HEARTBEAT_INTERVAL_MS: '200',
  PARKING_SUSPECT_TIMEOUT_MS: '600',
  PARKING_FAILURE_TIMEOUT_MS: '1500',
  PARKING_ANTI_ENTROPY_INTERVAL_MS: '1000',
  PARKING_DNS_INTERVAL_MS: '500',
  PARKING_COMMAND_DEADLINE_MS: '5000',
};

/** How a node finds its peers and what its lot looks like. */
export interface NodeSpec {
  discovery: 'mdns' | 'dns' | 'static' | 'none';
  peers?: string[];
  dnsName?: string;
  dnsServers?: string[];
  gates?: number;
  spaces?: number;
  env?: Record<string, string>;
}

/** A running parking node in a lab host. */
export interface LabNode {
  name: string;
  host: Host;
  url: string;
  proc: LabProcess;
}

/** Starts a node on `host` (named after the host) and waits for its ready line. */
export async function startNode(lab: Lab, host: Host, spec: NodeSpec, logDir: string): Promise<LabNode> {
  const args = ['--no-repl', '--name', host.name, '--host', '0.0.0.0', '--advertise-host', host.ip, '--port', String(NODE_PORT)];
  args.push('--discovery', spec.discovery, '--log-format', 'json', '--log-level', 'info');
  if (spec.discovery === 'mdns') args.push('--mdns-interface', host.ip);
  if (spec.peers !== undefined) args.push('--peers', spec.peers.join(','));
  if (spec.dnsName !== undefined) args.push('--dns-name', spec.dnsName);
  if (spec.dnsServers !== undefined) args.push('--dns-servers', spec.dnsServers.join(','));
  if (spec.gates !== undefined) args.push('--gates', String(spec.gates));
  if (spec.spaces !== undefined) args.push('--spaces', String(spec.spaces));
  const env = { PARKING_ENV: 'development', PARKING_COOKIE: 'lab-cluster-cookie', ...LAB_TIMING, ...spec.env };
  const proc = lab.spawn(host, [process.execPath, BIN, 'start', ...args], { uts: true, env, logFile: join(logDir, `${host.name}.log`) });
  const m = await proc.waitForOutput(/parking node (\S+) ready at (http:\/\/\S+)/, 20_000);
  return { name: m[1]!, host, url: m[2]!, proc };
}

/** The node's log lines with `msg` (JSON logs on stderr). */
export function logLines(node: LabNode, msg?: string): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const line of node.proc.stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const rec = JSON.parse(line) as Record<string, unknown>;
      if (msg === undefined || rec.msg === msg) lines.push(rec);
    } catch {
      // a partial line
    }
  }
  return lines;
}
