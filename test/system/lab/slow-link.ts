/**
 * A slow link between one lab host and its peers, without tc netem (not in this kernel): a delaying
 * TCP proxy (client/delay-proxy.mjs) inside the host, and nftables NAT rules in the host's own
 * namespace that pass its cluster traffic through it, both ways:
 * - outgoing: a connection of the host to a peer's node port is redirected (output hook, dnat) to a
 *   proxy port of the host itself, and the proxy connects to the peer from a second address of the
 *   host, which the rule does not match (no loop);
 * - incoming: a connection from a peer to the host's node port is redirected (prerouting) to the
 *   proxy, which connects to the node on the host's own address.
 * The observer and the load clients are not peers: their requests are not delayed. Everything lives
 * in the host's namespace (its table, its address, its process), never in the root namespace.
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { CLIENT_DIR } from './agent.js';
import type { Host, Lab } from './lab.js';
import { LAB_NET } from './lab.js';
import { NODE_PORT } from './nodes.js';
import type { LabProcess } from './process.js';
import { must } from './sh.js';

const TABLE = 'pklab_slow';
/** The proxy's port for connections from peers; to peer i it is OUT_PORT_BASE + host index. */
const IN_PORT = 7000;
const OUT_PORT_BASE = 7100;

/** A slow link in force; `remove()` restores the host's direct link. */
export interface SlowLink {
  proxy: LabProcess;
  remove(): Promise<void>;
}

/** Makes every connection between `host` and `peers` (node port) `delayMs` slower each way. */
export async function slowLink(lab: Lab, host: Host, peers: Host[], delayMs: number, workDir: string, logFile: string): Promise<SlowLink> {
  const second = `${LAB_NET}.${host.index + 100}`;
  await must('ip', ['-n', host.ns, 'addr', 'add', `${second}/24`, 'dev', 'eth0']);
  const routes = [
    { listen: { host: host.ip, port: IN_PORT }, target: { host: host.ip, port: NODE_PORT } },
    ...peers.map((p) => ({ listen: { host: host.ip, port: OUT_PORT_BASE + p.index }, target: { host: p.ip, port: NODE_PORT } })),
  ];
  const configFile = join(workDir, `delay-proxy-${host.name}.json`);
  writeFileSync(configFile, JSON.stringify({ delayMs, localAddress: second, routes }));
  const proxy = lab.spawn(host, [process.execPath, join(CLIENT_DIR, 'delay-proxy.mjs'), configFile], { stdin: true, logFile });
  await proxy.waitForOutput(/"ready":true/, 10_000);
  const peerIps = peers.map((p) => p.ip).join(', ');
  const rules = [
    `table ip ${TABLE} {`,
    '  chain out {',
    '    type nat hook output priority -100; policy accept;',
    ...peers.map((p) => `    ip saddr ${host.ip} ip daddr ${p.ip} tcp dport ${NODE_PORT} dnat to ${host.ip}:${OUT_PORT_BASE + p.index}`),
    '  }',
    '  chain pre {',
    '    type nat hook prerouting priority -100; policy accept;',
    `    ip saddr { ${peerIps} } ip daddr ${host.ip} tcp dport ${NODE_PORT} dnat to ${host.ip}:${IN_PORT}`,
    '  }',
    '}',
    '',
  ].join('\n');
  const file = join(workDir, `slow-link-${host.name}.nft`);
  writeFileSync(file, rules);
  await must('ip', ['netns', 'exec', host.ns, 'nft', '-f', file]);
  return {
    proxy,
    async remove() {
      await must('ip', ['netns', 'exec', host.ns, 'nft', 'delete', 'table', 'ip', TABLE]).catch(() => undefined);
      await proxy.kill('SIGTERM');
      await must('ip', ['-n', host.ns, 'addr', 'del', `${second}/24`, 'dev', 'eth0']).catch(() => undefined);
    },
  };
}
