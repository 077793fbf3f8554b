/**
 * Faults, each one call. Network faults are installed in the switch namespace (nftables, bridge
 * family, matching the hosts' switch ports) or on a host's interface (tc), never in the root
 * namespace. Each returns when the kernel has the rule; healing removes exactly what was added.
 */
import { must } from './sh.js';
import type { Host, Lab } from './lab.js';
import type { LabNode } from './nodes.js';

const PARTITION_TABLE = 'pklab_partition';
const LOSS_TABLE = 'pklab_loss';

/** Process crash: SIGKILL. The kernel still closes its sockets, so peers see a reset at once. */
export async function killNode(node: LabNode): Promise<void> {
  await node.proc.kill('SIGKILL');
}

/**
 * Host crash: cut the host's switch port first, then kill, so peers see silence (no FIN, no RST) and
 * only their heartbeat notices. The port stays down (the host is gone); `lab.setPort(host, true)`
 * brings a replacement back.
 */
export async function crashHost(lab: Lab, node: LabNode): Promise<void> {
  await lab.setPort(node.host, false);
  await node.proc.kill('SIGKILL');
}

/** Freeze (SIGSTOP): the process holds its sockets but answers nothing. */
export function freeze(node: LabNode): void {
  node.proc.signal('SIGSTOP');
}

/** Thaw (SIGCONT). */
export function thaw(node: LabNode): void {
  node.proc.signal('SIGCONT');
}

function dropRules(pairs: [Host, Host][]): string {
  return pairs
    .map(([a, b]) => `    iifname "${a.port}" oifname "${b.port}" drop\n    iifname "${b.port}" oifname "${a.port}" drop\n`)
    .join('');
}

async function replaceTable(lab: Lab, table: string, body: string): Promise<void> {
  await lab.inSwitch(['nft', 'delete', 'table', 'bridge', table]).catch(() => undefined);
  await lab.inSwitch(
    ['nft', '-f'],
    `table bridge ${table} {\n  chain forward {\n    type filter hook forward priority 0; policy accept;\n${body}  }\n}\n`,
  );
}

/** Cuts the network into groups: no frame crosses between hosts of different groups. */
export async function partition(lab: Lab, groups: Host[][]): Promise<void> {
  const pairs: [Host, Host][] = [];
  groups.forEach((g, i) => groups.slice(i + 1).forEach((h) => g.forEach((a) => h.forEach((b) => pairs.push([a, b])))));
  await replaceTable(lab, PARTITION_TABLE, dropRules(pairs));
}

/** Cuts only the given pairs (an asymmetric cut: A-B cut while C still sees both). */
export async function cutPairs(lab: Lab, pairs: [Host, Host][]): Promise<void> {
  await replaceTable(lab, PARTITION_TABLE, dropRules(pairs));
}

/**
 * One-way loss: every frame from `from` to `to` is dropped, the other direction passes (a dying
 * host's NIC, a broken cable pair). Healed by {@link heal}.
 */
export async function dropOneWay(lab: Lab, from: Host, to: Host): Promise<void> {
  await replaceTable(lab, PARTITION_TABLE, `    iifname "${from.port}" oifname "${to.port}" drop\n`);
}

/** Heals every partition and cut. */
export async function heal(lab: Lab): Promise<void> {
  await lab.inSwitch(['nft', 'delete', 'table', 'bridge', PARTITION_TABLE]).catch(() => undefined);
}

/** Drops `percent`% of the frames from and to the host, at random (nftables numgen). */
export async function packetLoss(lab: Lab, host: Host, percent: number): Promise<void> {
  const p = Math.round(percent);
  await replaceTable(
    lab,
    LOSS_TABLE,
    `    iifname "${host.port}" numgen random mod 100 < ${p} drop\n    oifname "${host.port}" numgen random mod 100 < ${p} drop\n`,
  );
}

/** Removes the packet loss. */
export async function clearLoss(lab: Lab): Promise<void> {
  await lab.inSwitch(['nft', 'delete', 'table', 'bridge', LOSS_TABLE]).catch(() => undefined);
}

/** Limits the host's outgoing bandwidth (tc tbf on its eth0). */
export async function limitBandwidth(host: Host, rate = '1mbit'): Promise<void> {
  await must('ip', [
    'netns',
    'exec',
    host.ns,
    'tc',
    'qdisc',
    'replace',
    'dev',
    'eth0',
    'root',
    'tbf',
    'rate',
    rate,
    'burst',
    '16kb',
    'latency',
    '200ms',
  ]);
}

/** Removes the bandwidth limit. */
export async function clearBandwidth(host: Host): Promise<void> {
  await must('ip', ['netns', 'exec', host.ns, 'tc', 'qdisc', 'del', 'dev', 'eth0', 'root']).catch(() => undefined);
}

const WATCH_TABLE = 'pklab_watch';

/**
 * Counts new TCP connections (SYN without ACK) from `from` hosts to `to`:`port`, in the switch.
 * Returns a reader of the count; `stopWatch` removes the counter.
 */
export async function watchDials(lab: Lab, from: Host[], to: Host, port: number): Promise<() => Promise<number>> {
  const ports = from.map((h) => `"${h.port}"`).join(', ');
  await replaceTable(
    lab,
    WATCH_TABLE,
    `    iifname { ${ports} } ether type ip ip daddr ${to.ip} tcp dport ${port} tcp flags & (syn | ack) == syn counter\n`,
  );
  return async () => {
    const out = await lab.inSwitch(['nft', 'list', 'table', 'bridge', WATCH_TABLE]);
    return Number(/counter packets (\d+)/.exec(out)?.[1] ?? 'NaN');
  };
}

/** Removes the dial counter. */
export async function stopWatch(lab: Lab): Promise<void> {
  await lab.inSwitch(['nft', 'delete', 'table', 'bridge', WATCH_TABLE]).catch(() => undefined);
}
