/**
 * Creates an embedded database folder.
 * - From the build's template (dist/pglite-template.tar.gz, see pglite-template.mjs: a data
 *   folder after initdb and every migration), unpacked with `tar` by a child process into a
 *   sibling folder, synced to disk and renamed into place — no PostgreSQL runs, and a crash
 *   midway leaves no folder that looks like a database. Measured: ~0.6 s, against ~2 s for a
 *   child PGlite loading the same template and ~0.7 s more for the migrations it then lacked.
 * - Without a template (a checkout never built), `initdb` in a child process of its own:
 *   initdb in PGlite runs two extra PostgreSQL instances (WebAssembly) whose memory a
 *   process does not give back (measured: 815 MB RSS, against ~200 MB for opening an
 *   existing folder); in a child, it is gone when the child exits.
 *
 * Run as a script (the child): `pglite-init <folder> <shared buffers> [<template>]` creates
 * the folder's database and exits.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extract } from 'tar';
import { ConfigError } from '../errors.ts';
import { packageRoot } from '../package-root.ts';

/** The build's template of a fresh data folder (absent when running from a checkout never built). */
export const templateFile = join(packageRoot, 'dist', 'pglite-template.tar.gz');

/** Whether `folder` already holds a PostgreSQL database. */
export function hasDatabase(folder: string): boolean {
  return existsSync(join(folder, 'PG_VERSION'));
}

/** fsync of every file and folder under `root` (and `root`), a few at a time on libuv's threads. */
async function syncTree(root: string): Promise<void> {
  const paths: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      paths.push(path);
    }
  };
  walk(root);
  paths.push(root);
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const handle = await open(paths[next++]!, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/**
 * Unpacks `template` (a data folder dumped by PGlite) as the database in `folder`, durably:
 * into `<folder>.unpacking`, every file synced, then renamed into place and the rename synced.
 */
export async function unpackTemplate(folder: string, template: string): Promise<void> {
  if (existsSync(folder)) {
    if (readdirSync(folder).length > 0)
      throw new ConfigError(
        `${folder} holds files but no database (no PG_VERSION): move it away and start again`,
        'TRESOR_DATA_DIR',
      );
    rmdirSync(folder);
  }
  const staging = `${folder}.unpacking`;
  rmSync(staging, { recursive: true, force: true }); // what a crash during an earlier attempt left
  mkdirSync(staging, { recursive: true, mode: 0o700 });
  // Synchronous: ~0.25 s for ~1,000 files, three times faster than tar's streaming extraction here.
  // PGlite's archive names entries from the root (/base/1/…): tar makes them relative to cwd
  // and says so (TAR_ENTRY_INFO). Anything else it would only warn about (a bad checksum, a
  // truncated archive) must stop the start instead of leaving a database with a file missing.
  const problems: string[] = [];
  extract({
    file: template,
    cwd: staging,
    sync: true,
    onwarn: (code, message) => {
      if (code !== 'TAR_ENTRY_INFO') problems.push(`${code}: ${String(message)}`);
    },
  });
  if (problems.length > 0)
    throw new ConfigError(
      `The database template ${template} is damaged (${problems[0]}); build again`,
      'TRESOR_DATA_DIR',
    );
  await syncTree(staging);
  renameSync(staging, folder);
  const parent = await open(dirname(folder), 'r');
  try {
    await parent.sync();
  } finally {
    await parent.close();
  }
}

/**
 * Creates the database in `folder`; resolves once it is on disk. `template`: a dumped data
 * folder to unpack (default: the build's, if there is one); null: initdb. Either runs in a
 * child process: unpacking decompresses ~40 MB, and glibc's allocator keeps what a process
 * once held in its heap (measured: ~45 MB more idle RSS after a first start done in-process,
 * for ~0.1 s of a child's start).
 */
export function createDatabaseFolder(
  folder: string,
  sharedBuffers: string,
  template: string | null = existsSync(templateFile) ? templateFile : null,
): Promise<void> {
  return template ? inChild(folder, ['--unpack', folder, template]) : initInChild(folder, sharedBuffers, null);
}

/**
 * Creates the database in `folder` with PGlite in a child process; resolves once it is on
 * disk. `template`: a dumped data folder for PGlite to load (default: the build's, if there
 * is one); null: initdb.
 */
export function initInChild(
  folder: string,
  sharedBuffers: string,
  template: string | null = existsSync(templateFile) ? templateFile : null,
): Promise<void> {
  return inChild(folder, [folder, sharedBuffers, template ?? '']);
}

/** Runs this file as a script with `args`; its error message (one line, no stack) becomes a ConfigError. */
function inChild(folder: string, args: string[]): Promise<void> {
  const script = fileURLToPath(import.meta.url);
  // From the sources the child needs the TypeScript loader; compiled, it is plain JavaScript.
  const loader = script.endsWith('.ts') ? ['--conditions=tresor-source', '--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...loader, script, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
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
  try {
    if (process.argv[2] === '--unpack') {
      const [folder, template] = process.argv.slice(3);
      await unpackTemplate(folder!, template!);
    } else {
      const [folder, sharedBuffers, templatePath] = process.argv.slice(2);
      const template = templatePath ? new Blob([readFileSync(templatePath)]) : undefined;
      const { openDurablePglite } = await import('./durable-pglite.ts');
      const db = openDurablePglite(folder!, { sharedBuffers: sharedBuffers! }, template);
      await db.waitReady;
      await db.close();
    }
  } catch (error) {
    process.stderr.write(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
