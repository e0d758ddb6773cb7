/**
 * Creates an embedded database folder in a child process of its own: `initdb` in PGlite
 * runs two extra PostgreSQL instances (WebAssembly) whose memory a process does not give
 * back (measured: 815 MB RSS after a first start, against ~200 MB for opening an existing
 * folder). In a child, it is the child's, and it is gone when the child exits.
 * When the build made a template (dist/pglite-template.tar.gz, see pglite-template.mjs),
 * the child copies it instead of running initdb: ~1 s and ~300 MB instead of ~5 s and ~700 MB.
 *
 * Run as a script (the child): `pglite-init <folder> <shared buffers> [<template>]` creates
 * the folder's database and exits.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.ts';
import { packageRoot } from '../package-root.ts';
import { openDurablePglite } from './durable-pglite.ts';

/** The build's template of a fresh data folder (absent when running from a checkout never built). */
export const templateFile = join(packageRoot, 'dist', 'pglite-template.tar.gz');

/** Whether `folder` already holds a PostgreSQL database. */
export function hasDatabase(folder: string): boolean {
  return existsSync(join(folder, 'PG_VERSION'));
}

/**
 * Creates the database in `folder` from a child process; resolves once it is on disk.
 * `template`: a dumped data folder to copy (default: the build's, if there is one); null: initdb.
 */
export function initInChild(
  folder: string,
  sharedBuffers: string,
  template: string | null = existsSync(templateFile) ? templateFile : null,
): Promise<void> {
  const script = fileURLToPath(import.meta.url);
  // From the sources the child needs the TypeScript loader; compiled, it is plain JavaScript.
  const loader = script.endsWith('.ts') ? ['--conditions=tresor-source', '--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...loader, script, folder, sharedBuffers, template ?? ''], {
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
  const [folder, sharedBuffers, templatePath] = process.argv.slice(2);
  const template = templatePath ? new Blob([readFileSync(templatePath)]) : undefined;
  const db = openDurablePglite(folder!, { sharedBuffers: sharedBuffers! }, template);
  await db.waitReady;
  await db.close();
}
