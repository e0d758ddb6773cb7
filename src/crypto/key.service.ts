/**
 * The key service: checks at start that the offered keys are the ones the database was
 * sealed with (refusing a wrong key at once, not on the first decrypt), hands out the key
 * ring, reports status, and rotates: brings in a new version and re-wraps every data key
 * in batches. A rotation can be killed at any point and resumed: each batch commits on its
 * own, every row names the key version that wraps it, and the old version is retired only
 * when no row uses it.
 */
import { timingSafeEqual } from 'node:crypto';
import type { AuditWriter } from '../audit/audit.service.ts';
import { announce } from '../cluster/change-bus.ts';
import type { Database } from '../db/client.ts';
import { ConfigError, WrongMasterKeyError } from '../errors.ts';
import { systemPrincipal } from '../identity/principal.ts';
import { rewrap } from './envelope.ts';
import { keyStore } from './key.store.ts';
import { KeyRing } from './key-ring.ts';
import type { KeySource } from './key-source.ts';
import type { SealedRecordTable } from './sealed-record-table.ts';

export interface RotationProgress {
  targetVersion: number;
  rewrapped: number;
  remaining: number;
}

export interface KeyStatus {
  currentVersion: number;
  versions: { version: number; createdAt: Date; retiredAt: Date | null; dataKeys: number; available: boolean }[];
  rotationInProgress: { targetVersion: number; rewrapped: number } | undefined;
}

export interface KeyServiceDeps {
  db: Database;
  source: KeySource;
  /** How long a rotation waits, after announcing the new version, for every node to move to it (ms). */
  settleMs?: number;
  /** Told when a version other nodes may still use had to be brought back (a row still used it). */
  warn?: (message: string) => void;
  /** Rotation start and end are audited (set once the audit trail exists). */
  audit?: Pick<AuditWriter, 'write'>;
  /** Tresor's own sealed records' tables (webhook signing secrets, OAuth2 connections): rotation moves them too. */
  sealedRecords?: readonly SealedRecordTable[];
}

export function keyServiceFactory({
  db,
  source,
  audit,
  settleMs = 0,
  warn = () => {},
  sealedRecords = [],
}: KeyServiceDeps) {
  let ring: KeyRing | undefined;
  /** The newest version the store wraps with (from the database): this node never seals with an older one. */
  let storeCurrent = 0;

  /** Checks every offered version against the database and records new ones. */
  async function verify(candidate: KeyRing): Promise<void> {
    const stored = await keyStore.versions(db);
    // Known before any check can fail: a node that cannot load the newest version must not seal with an older one.
    storeCurrent = Math.max(storeCurrent, ...stored.filter((r) => !r.retiredAt).map((r) => r.version));
    for (const row of stored) {
      if (!candidate.has(row.version)) {
        if (row.retiredAt) continue;
        throw new WrongMasterKeyError(
          `Key version ${row.version} still wraps data keys but ${source.description} does not provide it; add ` +
            `it back (or finish the rotation that retires it)`,
        );
      }
      const offered = candidate.checkValue(row.version);
      if (offered.length !== row.checkValue.length || !timingSafeEqual(offered, row.checkValue)) {
        throw new WrongMasterKeyError(
          `The master key from ${source.description} (version ${row.version}) is not the key this database was ` +
            `sealed with; refusing to start`,
        );
      }
    }
    const known = new Set(stored.map((r) => r.version));
    for (const version of candidate.knownVersions)
      if (!known.has(version)) await keyStore.addVersion(db, version, candidate.checkValue(version));
    storeCurrent = Math.max(candidate.currentVersion, ...stored.filter((r) => !r.retiredAt).map((r) => r.version));
  }

  /**
   * A retired version that rows still use (a node that had not moved yet wrapped with it after
   * the rotation retired it): bring it back while the source has it, so the next rotation
   * moves those rows; refuse to start when it does not.
   */
  async function recheckRetired(candidate: KeyRing): Promise<void> {
    const usage = await keyStore.usage(db, sealedRecords);
    for (const row of await keyStore.versions(db)) {
      if (!row.retiredAt || !usage.get(row.version)) continue;
      if (!candidate.has(row.version))
        throw new WrongMasterKeyError(
          `Key version ${row.version} was retired, but ${usage.get(row.version)} data keys still use it and ` +
            `${source.description} does not provide it; add it back and run tresor keys rotate`,
        );
      await keyStore.unretire(db, row.version);
      warn(
        `Key version ${row.version} was retired while ${usage.get(row.version)} data keys still used it; ` +
          'it is active again: run tresor keys rotate',
      );
    }
  }

  async function load(): Promise<KeyRing> {
    const candidate = new KeyRing(await source.load());
    await verify(candidate);
    ring = candidate;
    return candidate;
  }

  return {
    async init(): Promise<KeyRing> {
      const loaded = await load();
      await recheckRetired(loaded);
      return loaded;
    },

    /**
     * Reloads the key source after another node or the CLI rotated (the change bus says so):
     * this node then wraps new data keys with the newest version at once.
     */
    reload: load,

    /** The ring to seal new data keys with: never one older than the store's newest version. */
    async sealingRing(): Promise<KeyRing> {
      let current = this.ring();
      if (current.currentVersion < storeCurrent) current = await load().catch(() => current);
      if (current.currentVersion < storeCurrent)
        throw new ConfigError(
          `The store now wraps data keys with key version ${storeCurrent}, which ${source.description} on this ` +
            'node does not provide: add it and restart this node',
          'TRESOR_MASTER_KEY',
        );
      return current;
    },

    /** The current ring; `refresh` reloads the source (another node may have rotated). */
    ring(): KeyRing {
      if (!ring) throw new ConfigError('The key service was used before init()');
      return ring;
    },

    refresh: load,

    /**
     * A ring that holds `version`. A version this node has not seen yet means another node
     * rotated: reload the source once (and check it) before giving up.
     */
    async ringFor(version: number): Promise<KeyRing> {
      const current = this.ring();
      if (current.has(version)) return current;
      const reloaded = await load();
      return reloaded;
    },

    async status(): Promise<KeyStatus> {
      const current = this.ring();
      const [versions, usage, open] = await Promise.all([
        keyStore.versions(db),
        keyStore.usage(db, sealedRecords),
        keyStore.openRotation(db),
      ]);
      return {
        currentVersion: current.currentVersion,
        versions: versions.map((v) => ({
          version: v.version,
          createdAt: v.createdAt,
          retiredAt: v.retiredAt,
          dataKeys: usage.get(v.version) ?? 0,
          available: current.has(v.version),
        })),
        rotationInProgress: open ? { targetVersion: open.targetVersion, rewrapped: open.rewrapped } : undefined,
      };
    },

    /**
     * Rotates to a new key version (generated by the source when it can, else the highest
     * version the operator added), or resumes an interrupted rotation.
     */
    async rotate(
      options: { batchSize?: number; onProgress?: (p: RotationProgress) => void | Promise<void> } = {},
    ): Promise<RotationProgress> {
      const batchSize = options.batchSize ?? 1000;
      let current = await load();
      let rotation = await keyStore.openRotation(db);
      if (!rotation) {
        // Data keys not yet on the highest version: the operator added one; rotate to it.
        // None: generate the next version, if the source can.
        if ((await keyStore.countNotOn(db, current.currentVersion, sealedRecords)) === 0) {
          if (!source.addVersion) {
            throw new ConfigError(
              `Every data key already uses key version ${current.currentVersion}. To rotate, add ` +
                `v${current.currentVersion + 1}:<32 random bytes in base64> to ${source.description} and run again`,
              'TRESOR_MASTER_KEY',
            );
          }
          current = current.with(await source.addVersion());
          await verify(current);
          ring = current;
        }
        rotation = await keyStore.startRotation(db, current.currentVersion);
        await audit?.write({
          actor: systemPrincipal,
          event: {
            action: 'key.rotation_started',
            target: { id: String(rotation.id), name: `key v${rotation.targetVersion}` },
            details: { targetVersion: rotation.targetVersion, rewrapped: 0 },
          },
        });
      }
      const target = rotation.targetVersion;
      if (!current.has(target))
        throw new WrongMasterKeyError(
          `An unfinished rotation targets key version ${target}, which ${source.description} does not provide`,
        );
      let rewrapped = rotation.rewrapped;
      // Counted once: a count per batch scanned every version again (a rotation of n keys read n²/batch rows).
      // Rows a node that had not moved yet wraps meanwhile are caught after the settle, below.
      let remaining = await keyStore.countNotOn(db, target, sealedRecords);
      for (;;) {
        const moved = await db.transaction(async (tx) => {
          const batch = await keyStore.lockBatch(tx, target, batchSize);
          const next = batch.map((row) => ({ ...row, ...rewrap(current, row, row, target) }));
          await keyStore.saveBatch(tx, rotation.id, next);
          return next.length;
        });
        rewrapped += moved;
        remaining = moved < batchSize ? 0 : Math.max(0, remaining - moved);
        await options.onProgress?.({ targetVersion: target, rewrapped, remaining });
        if (moved < batchSize) break;
      }
      // Every node has been told (each batch announced it); give them time to move, then wrap
      // again whatever a node that had not moved yet wrote meanwhile, and only then retire.
      if (settleMs > 0) await new Promise((done) => setTimeout(done, settleMs));
      for (;;) {
        const moved = await db.transaction(async (tx) => {
          const batch = await keyStore.lockBatch(tx, target, batchSize);
          if (batch.length === 0) return 0;
          const next = batch.map((row) => ({ ...row, ...rewrap(current, row, row, target) }));
          await keyStore.saveBatch(tx, rotation.id, next);
          return next.length;
        });
        rewrapped += moved;
        if (moved === 0) break;
      }
      // Tresor's own sealed records (webhook signing secrets, OAuth2 connections; a handful): last, in one go.
      rewrapped += await db.transaction(async (tx) => {
        let moved = 0;
        for (const table of sealedRecords) {
          const records = await table.lockNotOn(tx, target);
          await table.save(
            tx,
            records.map((row) => ({
              ...row,
              ...rewrap(current, row, { secretId: row.id, version: row.generation }, target),
            })),
          );
          moved += records.length;
        }
        return moved;
      });
      await db.transaction(async (tx) => {
        const usage = await keyStore.usage(tx, sealedRecords);
        for (const v of await keyStore.versions(tx))
          if (v.version !== target && !usage.get(v.version)) await keyStore.retire(tx, v.version);
        await keyStore.finishRotation(tx, rotation.id);
        await announce(tx, { scope: 'keys' });
      });
      await audit?.write({
        actor: systemPrincipal,
        event: {
          action: 'key.rotation_finished',
          target: { id: String(rotation.id), name: `key v${target}` },
          details: { targetVersion: target, rewrapped },
        },
      });
      return { targetVersion: target, rewrapped, remaining: 0 };
    },
  };
}

export type KeyService = ReturnType<typeof keyServiceFactory>;
