import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startTestApiServer, type TestApiServer } from '../../support/api-server.js';

// Rerun a failure with the seed it prints: FC_SEED=<seed> npx vitest run test/unit/api/server-property.test.ts
const seed = process.env.FC_SEED === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.FC_SEED);

let s: TestApiServer;
beforeAll(async () => {
  s = await startTestApiServer();
});
afterAll(async () => {
  await s.close();
});

/** Bodies near the valid shape (where bugs hide) as well as arbitrary JSON. */
const bodies = fc.oneof(
  fc.jsonValue(),
  fc.record(
    {
      plate: fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.jsonValue()),
      gate: fc.oneof(fc.integer(), fc.double(), fc.jsonValue()),
    },
    { requiredKeys: [] },
  ),
  fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 4 }),
);

describe('API property', () => {
  it('no JSON body on a command route produces a 5xx, and every answer is JSON', async () => {
    const property = fc.asyncProperty(fc.constantFrom('/entries', '/exits'), bodies, async (path, body) => {
      s.api.cars.clear();
      const res = await postJson(s.url, path, JSON.stringify(body) ?? 'null');
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBeLessThan(500);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(() => res.json).not.toThrow();
    });
    try {
      await fc.assert(property, { seed, numRuns: 300 });
    } catch (err) {
      throw new Error(
        `property failed with seed ${seed}; rerun: FC_SEED=${seed} npx vitest run test/unit/api/server-property.test.ts\n${String(err)}`,
        { cause: err },
      );
    }
  });

  it('no arbitrary string as a body produces a 5xx', async () => {
    const property = fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 200 }), async (text) => {
      const res = await postJson(s.url, '/entries', text);
      expect(res.status, JSON.stringify(text)).toBeLessThan(500);
    });
    try {
      await fc.assert(property, { seed, numRuns: 200 });
    } catch (err) {
      throw new Error(
        `property failed with seed ${seed}; rerun: FC_SEED=${seed} npx vitest run test/unit/api/server-property.test.ts\n${String(err)}`,
        { cause: err },
      );
    }
  });
});
