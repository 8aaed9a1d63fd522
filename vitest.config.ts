// vitest: every test file in its own forked process (isolated-vm and worker processes do not mix
// well with worker threads), generous timeouts because end-to-end tests start real daemons.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default'],
  },
});
