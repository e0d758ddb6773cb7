import { defineConfig } from 'vitest/config';

/**
 * Suites that start processes, servers, browsers or long loops: `npm test` runs them with
 * the rest; `npm run test:fast` leaves them out for a quick loop while developing.
 */
const slowSuites = [
  'test/hardening/**/*.test.ts',
  'test/bench/**/*.test.ts',
  'test/cluster/**/*.test.ts',
  'test/e2e/**/*.test.ts',
  'test/cli/**/*.test.ts',
  'test/package/**/*.test.ts',
];

export default defineConfig({
  // `tresor` (what credential types import) resolves to the sources in tests, never to dist/.
  resolve: { conditions: ['tresor-source'] },
  ssr: { resolve: { conditions: ['tresor-source'] } },
  test: {
    // Worker threads started by tests (the hook pool) resolve it the same way.
    execArgv: ['--conditions=tresor-source'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Database suites start servers and child processes; two workers fit the 2-core machines.
    maxWorkers: 2,
    globalSetup: ['test/support/global-setup.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      { extends: true, test: { name: 'fast', include: ['test/**/*.test.ts'], exclude: slowSuites } },
      // Slow suites run whole processes, browsers and servers: on a busy 2-core machine a test of several CLI
      // commands or pages takes tens of seconds, so none hinges on the 30 s default.
      { extends: true, test: { name: 'slow', include: slowSuites, testTimeout: 120_000 } },
    ],
  },
});
