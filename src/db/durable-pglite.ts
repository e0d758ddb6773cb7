/**
 * PGlite on disk that keeps PostgreSQL's durability promise.
 *
 * Out of the box PGlite does not: it starts PostgreSQL with `-F` (fsync off), and even with
 * fsync on, its Node file system (Emscripten's NODEFS) has no `fsync` operation and its
 * `fdatasync` system call returns success without doing anything. A commit it
 * acknowledged lived only in the OS page cache: a SIGKILL survived it, a power cut or
 * kernel crash did not (strace: no fsync for 200 acknowledged creates).
 *
 * Here PostgreSQL decides when to sync, exactly as a server would — the WAL at every
 * commit, data files and directories at checkpoints — and each of its syncs reaches the
 * disk:
 * - fsync is left on (the default start parameters without `-F`);
 * - the WAL is synced with `fsync()` (`wal_sync_method=fsync`), the one call that reaches
 *   the file system layer, rather than `fdatasync()`, which PGlite's runtime ignores;
 * - NODEFS gets the missing `fsync` stream operation: `fs.fsyncSync` on the real file.
 *
 * Measured (strace, test/hardening/durability.test.ts): one WAL fsync per acknowledged
 * commit, where there were none.
 */
import { fsyncSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';

/** The part of an Emscripten stream the fsync operation needs: the real file's descriptor. */
interface NodeStream {
  nfd?: number;
}

interface EmscriptenModule {
  NODEFS: { stream_ops: { fsync?: (stream: NodeStream) => number } };
}

type FsInit = Awaited<ReturnType<NodeFS['init']>>;
type PreRun = (module: EmscriptenModule) => void;

/** NODEFS with an fsync that syncs. */
class SyncingNodeFS extends NodeFS {
  override async init(pg: PGlite, options: Parameters<NodeFS['init']>[1]): Promise<FsInit> {
    const result = await super.init(pg, options);
    const preRun = (result.emscriptenOpts.preRun ?? []) as PreRun[];
    preRun.push((module) => {
      module.NODEFS.stream_ops.fsync = (stream) => {
        // A failed sync must fail the commit (PostgreSQL then stops rather than lie):
        // the error propagates to the caller as an I/O error.
        if (stream.nfd !== undefined) fsyncSync(stream.nfd);
        return 0;
      };
    });
    return { ...result, emscriptenOpts: { ...result.emscriptenOpts, preRun } };
  }
}

export interface EmbeddedOptions {
  /**
   * PostgreSQL's page cache (`shared_buffers`), e.g. `16MB`. PGlite's default, 128MB, is
   * touched at start-up and stays resident: it was most of the embedded server's memory.
   */
  sharedBuffers: string;
}

/**
 * PostgreSQL's start parameters as PGlite sets them, with fsync on, a WAL sync that reaches
 * the disk, and the page cache sized.
 */
export function durableStartParams(options: EmbeddedOptions): string[] {
  return [
    ...PGlite.defaultStartParams.filter((param) => param !== '-F'),
    '-c',
    'wal_sync_method=fsync',
    '-c',
    `shared_buffers=${options.sharedBuffers}`,
  ];
}

/**
 * Opens PGlite in `dataDir` with every acknowledged commit on disk; a new folder is made from
 * `template` (a data folder dumped by PGlite) when given, by initdb otherwise.
 */
export function openDurablePglite(dataDir: string, options: EmbeddedOptions, template?: Blob): PGlite {
  return new PGlite({
    ...(template ? { loadDataDir: template } : {}),
    fs: new SyncingNodeFS(dataDir),
    startParams: durableStartParams(options),
    // A new folder's postgresql.conf gets the same size, for tools that open it without Tresor.
    initDbStartParams: ['--set', `shared_buffers=${options.sharedBuffers}`],
  });
}
