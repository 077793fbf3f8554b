/**
 * The benchmark runs end to end: `node dist/bench/run.js --smoke` (every scenario at tiny sizes, one
 * repeat) completes and writes a results file with every scenario in it. No timing is asserted:
 * the figures belong in docs/performance.md, from a full `npm run bench`, not in a test.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../support/process-node.js';

const out = mkdtempSync(join(tmpdir(), 'parking-bench-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('npm run bench', () => {
  it('--smoke runs every scenario against real processes and writes a results file', async () => {
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [join(ROOT, 'dist', 'bench', 'run.js'), '--smoke', '--out', out],
        { cwd: ROOT, timeout: 110_000, maxBuffer: 4 << 20 },
        (error, so, se) => {
          resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 99, stdout: so, stderr: se });
        },
      );
    });
    expect(code, stderr).toBe(0);
    const files = readdirSync(out).filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(1);
    const report = JSON.parse(readFileSync(join(out, files[0]!), 'utf8')) as { preset: string; results: Record<string, unknown> };
    expect(report.preset).toBe('smoke');
    expect(Object.keys(report.results).sort()).toEqual(['catchup', 'failover', 'growth', 'latency', 'throughput', 'wire']);
    expect(stdout).toContain('| what | figure (median) | target | Elixir anchor |');
  }, 120_000);
});
