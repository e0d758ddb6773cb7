import { defineConfig } from 'vitest/config';

export default defineConfig({
  // `tresor` (what credential types import) resolves to the sources in tests, never to dist/.
  resolve: { conditions: ['tresor-source'] },
  ssr: { resolve: { conditions: ['tresor-source'] } },
  test: {
    // Worker threads started by tests (the hook pool) resolve it the same way.
    execArgv: ['--conditions=tresor-source'],
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Database suites start servers and child processes; two workers fit the 2-core machines.
    maxWorkers: 2,
    globalSetup: ['test/support/global-setup.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
