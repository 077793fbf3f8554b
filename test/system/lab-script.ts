/**
 * The lab from a shell, outside vitest (root only):
 *
 *   npx tsc -p tsconfig.system.json && npm run build
 *   node dist/system/test/system/lab-script.js up 5     # 5 mDNS nodes + observer; Ctrl-C tears down
 *   node dist/system/test/system/lab-script.js clean    # remove leftovers of a crashed run
 *
 * `up` prints the nodes' lab URLs; reach them only from inside the lab, e.g.
 * `ip netns exec pklab-obs node -e "fetch('http://10.213.0.11:4000/cluster').then(r=>r.text()).then(console.log)"`.
 */
import { cleanLeftoversSync } from './lab/lab.js';
import { Scenario } from './scenario.js';

const [command, arg] = process.argv.slice(2);
if (command === 'clean') {
  cleanLeftoversSync();
  console.log('lab leftovers removed');
} else if (command === 'up') {
  const count = Math.max(1, Math.min(20, Number(arg ?? 3)));
  const s = await Scenario.open('script');
  try {
    await Promise.all(Array.from({ length: count }, (_, i) => s.startNode(`n${i + 1}`, { discovery: 'mdns' })));
    await s.waitConverged();
    for (const n of s.live()) console.log(`${n.name} ${n.url} (netns ${n.host.ns})`);
    console.log('cluster converged; Ctrl-C to tear the lab down');
    // Lab.create installed SIGINT/SIGTERM handlers that destroy the lab and exit.
    await new Promise(() => undefined);
  } finally {
    await s.close();
  }
} else {
  console.error('usage: lab-script.js up [nodes] | clean');
  process.exitCode = 2;
}
