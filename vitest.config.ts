import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The built processes have their own stack and config (vitest.shipped.config.ts).
    exclude: ['test/shipped/**', 'node_modules/**'],
    // Temporal's native worker and the Runtime do not belong in worker threads: one process per file.
    pool: 'forks',
    maxWorkers: 2,
    globalSetup: ['test/support/globalSetup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
  },
});
