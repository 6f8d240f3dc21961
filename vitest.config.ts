import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'services/*/src/**/*.test.ts',
      'scripts/**/*.test.ts',
      'e2e/**/*.test.ts',
    ],
    testTimeout: 20_000,
    // In CI a failed test runs once more, and scripts/test-summary.mjs names every test that
    // needed it: fault tests kill real processes on a 2-core box, and one timing-bound miss
    // should be seen and fixed, not sink a submission. Locally nothing is retried.
    retry: process.env['CI'] ? 1 : 0,
    hookTimeout: 30_000,
    // Integration tests bind real ports and start real processes; two workers fit a 2-core box.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
