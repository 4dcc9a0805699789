import { defineConfig } from 'vitest/config';

/**
 * The built processes (dist/) against their own stack: `npx vitest run -c vitest.shipped.config.ts`
 * (.ci/run does). Apart from `npm test`, whose global setup starts workers from TypeScript.
 */
export default defineConfig({
  test: {
    include: ['test/shipped/**/*.test.ts'],
    pool: 'forks',
    // The suites start processes of their own; one file at a time keeps the 2-core machine usable.
    fileParallelism: false,
    globalSetup: ['test/shipped/globalSetup.ts'],
    testTimeout: 120_000,
    hookTimeout: 240_000,
    teardownTimeout: 60_000,
  },
});
