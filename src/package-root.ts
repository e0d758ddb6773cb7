/**
 * The folder of Tresor's package.json: templates/ and drizzle/ live there, whether this file
 * runs from src/ (tsx) or from dist/src/ (the build), or inside node_modules/tresor.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`No package.json above ${from}`);
  }
}

export const packageRoot = findPackageRoot(import.meta.dirname);
