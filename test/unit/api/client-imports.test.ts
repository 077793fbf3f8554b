import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('API client imports', () => {
  it('only Node built-ins, src/errors.ts and src/types.ts, so the CLI starts without yjs, ws, zod or prom-client', () => {
    const source = readFileSync(new URL('../../../src/api/client.ts', import.meta.url), 'utf8');
    const specifiers = [...source.matchAll(/^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]);
    expect(specifiers.length).toBeGreaterThan(0);
    for (const spec of specifiers) expect(spec).toMatch(/^(node:[a-z_/]+|\.\.\/errors\.js|\.\.\/types\.js)$/);
  });
});
