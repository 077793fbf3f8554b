/**
 * Real `parking` nodes on loopback for cluster tests: the processes of process-node.ts, with short
 * failure detection and an HTTP client each, so a test can kill the way it needs (SIGKILL, SIGTERM)
 * and query every node. `npm test` builds dist/ first.
 */
import { createApiClient, type ApiClient } from '../../src/api/client.js';
import { killAll, runCli, startNode, type NodeProcess as RunningNode } from './process-node.js';

export { killAll, runCli as cli };

/**
 * Short failure detection so fault tests finish quickly. More slack than the test preset
 * (config/presets/test.yaml, for in-process nodes): real processes share two cores with the test runner.
 */
export const FAST_ENV = {
  PARKING_HEARTBEAT_INTERVAL_MS: '100',
  PARKING_SUSPECT_TIMEOUT_MS: '400',
  PARKING_FAILURE_TIMEOUT_MS: '800',
  PARKING_ANTI_ENTROPY_INTERVAL_MS: '1000',
  PARKING_COMMAND_DEADLINE_MS: '8000',
};

/** A node process with its host:port and an API client (closed when the process exits). */
export interface NodeProcess extends RunningNode {
  host: string;
  client: ApiClient;
}

/** Starts `parking start --no-repl <args>` with FAST_ENV (and `env`) and waits for its ready line. */
export async function startProcess(args: string[], env: Record<string, string> = {}): Promise<NodeProcess> {
  const node = await startNode(args, { ...FAST_ENV, ...env });
  const client = createApiClient(node.url, { timeoutMs: 15_000 });
  void node.exited.then(() => client.close());
  return { ...node, host: new URL(node.url).host, client };
}
