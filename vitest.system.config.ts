import { defineConfig } from 'vitest/config';

/**
 * `npm run test:system`: the network lab (namespaces, faults; root only) and the checker's unit
 * tests. One file at a time: every scenario owns the whole lab (its namespaces, subnet and guard
 * route), and a scenario's own start-up cleans any leftovers by the lab's prefix.
 */
export default defineConfig({
  test: {
    include: ['test/system/unit/**/*.test.ts', 'test/system/scenarios/**/*.test.ts'],
    fileParallelism: false,
    maxWorkers: 1,
    // Each scenario bounds its own phases; these are the outer guards.
    testTimeout: 180_000,
    hookTimeout: 60_000,
    // Figures tables are printed on stdout.
    silent: false,
  },
});
