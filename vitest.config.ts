import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/system/unit/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Process tests spawn real nodes; two cores do not like many at once.
    maxWorkers: 2,
  },
});
