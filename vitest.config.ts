import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Multi-thread tests spawn their own workers; keep files in one fork at a time on 2-core hosts
    // so that test threads do not starve each other.
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    setupFiles: ['test/setup/leak-check.ts'],
  },
});
