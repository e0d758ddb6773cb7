#!/usr/bin/env node
// The `tresor` command. Runs the compiled CLI from dist/ when it matches the sources (fast:
// no TypeScript loader, no transpiling); otherwise, in a checkout whose dist/ is missing or
// stale, runs the sources through tsx in a child process (slower; `npm run build` makes it fast).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { buildState, packageRoot } from '../build-state.mjs';

if (buildState() === 'fresh') {
  await import('../../dist/src/cli/tresor.js');
} else {
  const result = spawnSync(
    process.execPath,
    ['--conditions=tresor-source', '--import', 'tsx', join(packageRoot, 'src/cli/tresor.ts'), ...process.argv.slice(2)],
    // tsx would look for a tsconfig from the current folder; the decorators need this one.
    { stdio: 'inherit', env: { ...process.env, TSX_TSCONFIG_PATH: join(packageRoot, 'tsconfig.json') } },
  );
  if (result.error) throw result.error;
  process.exitCode = result.status ?? 1;
}
