// `npm run build`: compiles src/ and credential-types/ to dist/ (JavaScript and declaration
// files) with tsc, then stamps the build (see build-state.mjs).
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { distDir, packageRoot, writeStamp } from './build-state.mjs';

export function build({ quiet = false } = {}) {
  const startedAt = Date.now();
  // Files removed from src/ must not linger in dist/.
  rmSync(distDir, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(packageRoot, 'tsconfig.build.json')], {
    cwd: packageRoot,
    stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`The build failed (tsc exited ${result.status}):\n${result.stdout ?? ''}${result.stderr ?? ''}`);
  }
  // The embedded database's first start copies this instead of running initdb (see the script).
  const template = spawnSync(
    process.execPath,
    [join(packageRoot, 'src/db/pglite-template.mjs'), join(distDir, 'pglite-template.tar.gz')],
    { cwd: packageRoot, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' },
  );
  if (template.status !== 0) throw new Error(`The build could not make the database template:\n${template.stderr}`);
  writeStamp(startedAt);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const t0 = Date.now();
  build();
  process.stdout.write(`built dist/ in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}
