// Whether dist/ holds a build of the sources beside it. Plain JavaScript, so the `tresor`
// bin and `npm start` can ask before any TypeScript loader exists.
//
// The build stamp (dist/.build-stamp) holds the time the build *started*: a source file
// saved while tsc was running is newer than that, so the build counts as stale.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const packageRoot = new URL('..', import.meta.url).pathname;
export const distDir = join(packageRoot, 'dist');
const stampFile = join(distDir, '.build-stamp');
/** What the build reads: a change in any of these makes dist/ stale. */
const sources = [
  'src',
  'credential-types',
  // The embedded database's template holds the migrations.
  'drizzle',
  'tsconfig.json',
  'tsconfig.build.json',
  'package.json',
  'package-lock.json',
];

function newestChange(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // a deleted file changes its folder
  for (const name of readdirSync(path)) newest = Math.max(newest, newestChange(join(path, name)));
  return newest;
}

/**
 * 'fresh' (dist/ matches the sources), 'stale' or 'missing'. An installed package has no
 * src/ to compare with: its dist/ is what it ships.
 */
export function buildState() {
  if (!existsSync(stampFile)) return 'missing';
  if (!existsSync(join(packageRoot, 'src', 'tresor.ts'))) return 'fresh';
  const builtFrom = Number(readFileSync(stampFile, 'utf8'));
  return sources.every((s) => newestChange(join(packageRoot, s)) <= builtFrom) ? 'fresh' : 'stale';
}

export function writeStamp(startedAt) {
  writeFileSync(stampFile, String(startedAt));
}
