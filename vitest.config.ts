import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'runtime/src/**/*.test.ts', 'generators/**/*.test.ts', 'cli/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', 'examples/**'],
    testTimeout: 60_000,
    hookTimeout: 600_000,
    // Two cores: e2e tests spawn installs, builds and servers; keep parallelism modest.
    maxWorkers: 2,
  },
});
