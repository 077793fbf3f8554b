/**
 * In-process nodes on real sockets (loopback, port 0) for cluster tests that need real WebSockets
 * but not separate processes.
 */
import { loadConfig, type Config } from '../../src/config/index.js';
import { createNode, type Node } from '../../src/node.js';
import { silentLogger } from '../../src/log.js';
import { pino } from 'pino';

export function testConfig(overrides: Partial<Record<keyof Config, unknown>> = {}): Config {
  // The test preset (config/presets/test.yaml) holds the timings every test runs with.
  return loadConfig({ env: {}, preset: 'test', flags: overrides });
}

export async function startNode(overrides: Partial<Record<keyof Config, unknown>> = {}): Promise<Node> {
  const logger = process.env.PARKING_TEST_LOG !== undefined ? pino({ level: process.env.PARKING_TEST_LOG }) : silentLogger();
  const node = await createNode(testConfig(overrides), { logger });
  await node.start();
  return node;
}

/** Starts `n` nodes that know each other by static discovery (the first ones are started first). */
export async function startCluster(n: number, overrides: Partial<Record<keyof Config, unknown>> = {}): Promise<Node[]> {
  const first = await startNode({ name: 'n1', ...overrides });
  const nodes = [first];
  for (let i = 2; i <= n; i++) {
    const peers = nodes.map((node) => new URL(node.url).host).join(',');
    nodes.push(await startNode({ name: `n${i}`, discovery: 'static', peers, ...overrides }));
  }
  return nodes;
}
