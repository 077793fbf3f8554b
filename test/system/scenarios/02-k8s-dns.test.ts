/**
 * Scenario 2, Kubernetes-style DNS: pods find each other only through the lab DNS (dnsmasq as
 * kube-dns: one A record per pod under the headless-service name, SRV records too). Some nodes use
 * the host's resolv.conf, one names the DNS server, one resolves the SRV name. A pod added to DNS
 * joins; a pod removed from DNS and killed is not dialled again.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { DNS_IP, Scenario } from '../scenario.js';
import { expectRules } from '../expect-rules.js';
import { SERVICE, SRV_NAME } from '../lab/dns.js';
import { stopWatch, watchDials } from '../lab/faults.js';
import { LAB_TIMING, NODE_PORT, type NodeSpec } from '../lab/nodes.js';
import { delay } from '../lab/sh.js';
import { BASE_OPS } from '../lab/scale.js';

let s: Scenario;
beforeAll(async () => {
  s = await Scenario.open('02-k8s-dns', { dns: true });
});
afterAll(async () => {
  await s?.close();
});

const viaResolvConf: NodeSpec = { discovery: 'dns', dnsName: SERVICE };
const viaServer: NodeSpec = { discovery: 'dns', dnsName: SERVICE, dnsServers: [DNS_IP] };
const viaSrv: NodeSpec = { discovery: 'dns', dnsName: SERVICE, env: { PARKING_DNS_SRV: SRV_NAME } };

async function addPod(name: string, spec: NodeSpec) {
  const host = await s.host(name);
  await s.dns!.addPod(name, host.ip, NODE_PORT, true);
  return s.startNode(name, spec);
}

test('pods find each other through the cluster DNS only; added pods join, removed pods are not dialled', async () => {
  await Promise.all([addPod('pod-a', viaResolvConf), addPod('pod-b', viaServer), addPod('pod-c', viaSrv)]);
  await s.waitConverged();
  await s.load('client1', {});
  await s.runOps(250); // load phase before the first change

  s.faultBegins('pod-d added to DNS');
  await addPod('pod-d', viaResolvConf);
  s.faultEnds();
  await s.waitConverged();

  s.faultBegins('pod-b removed from DNS and killed');
  const gone = s.nodes.get('pod-b')!;
  await s.dns!.removePod('pod-b', true);
  const removedAt = Date.now();
  await s.forget('pod-b');
  await gone.proc.kill('SIGKILL');
  s.faultEnds();
  await s.waitConverged();
  // Not dialled again: every node polls DNS every 500 ms (LAB_TIMING), so two periods after the
  // removal none still has the address (a redial already scheduled may fire before that). From
  // then on, count SYNs from the remaining pods to the removed pod's address for 4 s.
  const settle = removedAt + 2 * Number(LAB_TIMING.PARKING_DNS_INTERVAL_MS) - Date.now();
  if (settle > 0) await delay(settle);
  const count = await watchDials(
    s.lab,
    s.live().map((n) => n.host),
    gone.host,
    NODE_PORT,
  );
  await delay(4000);
  const dials = await count();
  await stopWatch(s.lab);
  expect(dials).toBe(0);

  const report = await s.finish({ ops: BASE_OPS });
  expect(
    s
      .live()
      .map((n) => n.name)
      .sort(),
  ).toEqual(['pod-a', 'pod-c', 'pod-d']);
  expect(report.lotsDiffer).toEqual([]);
  expectRules(report);
  expect(report.figures.lost).toBe(0);
});
