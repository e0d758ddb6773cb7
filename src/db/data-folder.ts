/**
 * The embedded data folder belongs to one process at a time, and to its owner only.
 *
 * - A lock file (`tresor.lock`, holding the owner's pid) is taken when the folder is opened,
 *   with O_EXCL, so a second process (a CLI run beside the server, a second server) is
 *   refused with a message naming the process that holds it, instead of opening live PGlite
 *   files and writing changes nobody else sees. A lock left by a process that is gone is
 *   taken over.
 * - The folder is 0700 and everything in it 0600/0700 (PGlite creates files with the
 *   process's umask, 0666 by default: every local user could read the WAL and its argon2
 *   hashes, or stop Tresor by overwriting pg_control). A folder that other users may write
 *   to is refused: whoever can write there can replace the database.
 */
import {
  chmodSync,
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ConfigError, ConflictError } from '../errors.ts';

export const lockFileName = 'tresor.lock';

export interface DataFolderClaim {
  /** Makes everything in the folder private again (after PGlite created its files). */
  secure(): void;
  /** Gives the folder back (removes the lock file, if it is still ours). */
  release(): void;
}

interface LockContent {
  pid: number;
  host: string;
  startedAt: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(path: string): LockContent | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockContent>;
    return typeof parsed.pid === 'number'
      ? { pid: parsed.pid, host: String(parsed.host), startedAt: String(parsed.startedAt) }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Makes the folder and everything in it private to the owner (PGlite's files come 0666 otherwise). */
function makePrivate(path: string): void {
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return;
  if (stat.isDirectory()) {
    if ((stat.mode & 0o777) !== 0o700) chmodSync(path, 0o700);
    for (const name of readdirSync(path)) makePrivate(join(path, name));
  } else if ((stat.mode & 0o077) !== 0) {
    chmodSync(path, stat.mode & 0o700);
  }
}

/** PostgreSQL's relation cache init files (global/, and one per database under base/) of the cluster in `folder`. */
function relationCacheInitFiles(folder: string): string[] {
  return [folder, join(folder, 'pglite')].flatMap((cluster) => {
    const base = join(cluster, 'base');
    const databases = existsSync(base) ? readdirSync(base).map((db) => join(base, db, 'pg_internal.init')) : [];
    return [join(cluster, 'global', 'pg_internal.init'), ...databases].filter((path) => existsSync(path));
  });
}

/** New files of this process are private from here on; false where umask cannot be set (a worker thread). */
function privateUmask(): boolean {
  try {
    process.umask(0o077);
    return true;
  } catch {
    return false;
  }
}

/**
 * Claims `folder` (created 0700 when `create` allows) for this process. Throws a
 * ConflictError naming the holder when another live process has it, and a ConfigError
 * when the folder is missing (and may not be created) or others may write to it.
 */
export function claimDataFolder(folder: string, options: { create: boolean }): DataFolderClaim {
  if (!existsSync(folder)) {
    if (!options.create) {
      throw new ConfigError(
        `No Tresor data folder at ${folder}: start the server once (npm start) or run tresor init to create it, ` +
          'or set TRESOR_DATA_DIR / DATABASE_URL to the one you use',
        'TRESOR_DATA_DIR',
      );
    }
    mkdirSync(folder, { recursive: true, mode: 0o700 });
  }
  const stat = lstatSync(folder);
  if (!stat.isDirectory()) throw new ConfigError(`The data folder ${folder} is not a folder`, 'TRESOR_DATA_DIR');
  if (stat.mode & 0o022) {
    throw new ConfigError(
      `The data folder ${folder} may be written by other users (mode ${(stat.mode & 0o777).toString(8)}): ` +
        `whoever can write there can replace the database. Run chmod 700 ${folder}`,
      'TRESOR_DATA_DIR',
    );
  }
  const lock = join(folder, lockFileName);
  const content: LockContent = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      writeSync(fd, JSON.stringify(content));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 3) throw error;
      const holder = readLock(lock);
      if (holder && holder.pid !== process.pid && alive(holder.pid)) {
        throw new ConflictError(
          `The embedded database in ${folder} is in use by process ${holder.pid} (since ${holder.startedAt}), ` +
            'which holds it alone: stop that process first, or work through it ' +
            '(tresor login --url … and the CLI goes through its API)',
        );
      }
      // Left by a process that is gone (or by ourselves, in tests that reopen): take it over.
      rmSync(lock, { force: true });
    }
  }
  const umaskSet = privateUmask();
  makePrivate(folder);
  return {
    // With the umask narrowed, what PGlite creates while opening is private already, but for the
    // relation cache's init files, which its runtime writes 0644 whatever the umask: those are
    // made private here (two known places, not a walk of the folder: ~25 ms of every start and
    // CLI command). Where the umask could not be narrowed (a worker thread), the walk runs.
    secure: () => {
      if (!umaskSet) makePrivate(folder);
      else for (const path of relationCacheInitFiles(folder)) makePrivate(path);
    },
    release() {
      makePrivate(folder);
      if (readLock(lock)?.pid === process.pid) rmSync(lock, { force: true });
    },
  };
}
