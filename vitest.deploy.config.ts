import { defineConfig } from 'vitest/config';

// The deployment suite: manifests and Dockerfile offline, then the real image in a network lab.
// Files run one at a time: the image test owns a Docker engine and network namespaces.
export default defineConfig({
  test: {
    include: ['test/deploy/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
