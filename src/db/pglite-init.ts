/**
 * Creates an embedded database folder in a child process of its own: `initdb` in PGlite
 * runs two extra PostgreSQL instances (WebAssembly) whose memory a process does not give
 * back (measured: 815 MB RSS after a first start, against ~200 MB for opening an existing
 * folder). In a child, it is the child's, and it is gone when the child exits.
 *
 * Run as a script (the child): `pglite-init <folder>` creates the folder's database and exits.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.ts';
import { openDurablePglite } from './durable-pglite.ts';

/** Whether `folder` already holds a PostgreSQL database. */
export function hasDatabase(folder: string): boolean {
  return existsSync(join(folder, 'PG_VERSION'));
}

/** Creates the database in `folder` from a child process; resolves once it is on disk. */
export function initInChild(folder: string, sharedBuffers: string): Promise<void> {
  const script = fileURLToPath(import.meta.url);
  // From the sources the child needs the TypeScript loader; compiled, it is plain JavaScript.
  const loader = script.endsWith('.ts') ? ['--conditions=tresor-source', '--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...loader, script, folder, sharedBuffers], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve()
        : reject(
            new ConfigError(`Could not create the embedded database in ${folder}: ${stderr.trim()}`, 'TRESOR_DATA_DIR'),
          ),
    );
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [folder, sharedBuffers] = process.argv.slice(2);
  const db = openDurablePglite(folder!, { sharedBuffers: sharedBuffers! });
  await db.waitReady;
  await db.close();
}
