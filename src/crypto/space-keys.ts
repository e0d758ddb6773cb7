/**
 * The spaces' own key-encryption keys. A secret version's data key is wrapped by the key of
 * the secret's space, and that key by the master key: a space rotates on its own (re-wrapping
 * only its data keys), a master rotation re-wraps one key per space instead of every data key,
 * and deleting a space destroys its keys — what was sealed under them cannot be opened again
 * (crypto-shredding). A space gets its first key when its first value is sealed.
 *
 * Unwrapped keys stay in this node's memory per space until a key change is announced.
 */
import { randomBytes } from 'node:crypto';
import { announce } from '../cluster/change-bus.ts';
import type { Database, Executor } from '../db/client.ts';
import { foreignKeyViolation, pgErrorCode } from '../db/errors.ts';
import { ConfigError, IntegrityError, WrongMasterKeyError } from '../errors.ts';
import { rewrap, type SealedPayload, unwrapDataKey, type WrappedKey, wrapDataKey } from './envelope.ts';
import type { KeyService } from './key.service.ts';
import { KeyRing } from './key-ring.ts';
import { type SpaceDataKey, spaceKeyStore } from './space-key.store.ts';

/** What a data key is wrapped by: a space's key version, or (before spaces had keys) a master version. */
export interface WrappingKey {
  kekVersion: number;
  keySpaceId: string | null;
}

/** A sealed version as stored: its payload, its wrapped data key and what wraps that. */
export type StoredPayload = SealedPayload & WrappingKey;

export interface SpaceKeyStatus {
  currentVersion: number | undefined;
  versions: { version: number; createdAt: Date; dataKeys: number }[];
  /** Data keys still wrapped by the master key (written before the space had a key). */
  underMasterKey: number;
}

export interface SpaceRotation {
  version: number;
  rewrapped: number;
  /** Older versions deleted because no data key uses them any more. */
  retired: number;
}

export interface SpaceKeysDeps {
  db: Database;
  keys: Pick<KeyService, 'sealingRing' | 'ringFor'>;
  /** How long a rotation waits, after announcing the new version, for every node to move to it (ms). */
  settleMs?: number;
  /** How many spaces' keys a node keeps unwrapped. */
  maxCached?: number;
}

/** A space key is wrapped like a data key, bound to the space and its version. */
const bindingOf = (spaceId: string, version: number) => ({ secretId: spaceId, version });

export function spaceKeysFactory({ db, keys, settleMs = 0, maxCached = 10_000 }: SpaceKeysDeps) {
  const rings = new Map<string, KeyRing>();

  /**
   * The space's keys as `executor` sees them (a writer's transaction: PGlite has one connection,
   * and a query beside an open transaction would wait for it forever).
   */
  async function load(executor: Executor, spaceId: string): Promise<KeyRing | undefined> {
    const rows = await spaceKeyStore.versions(executor, spaceId);
    if (rows.length === 0) return undefined;
    const versions = [];
    for (const row of rows) {
      const master = await keys.ringFor(row.kekVersion).catch((error: unknown) => {
        if (!(error instanceof WrongMasterKeyError)) throw error;
        throw new ConfigError(
          `The keys of the spaces are wrapped with master key version ${row.kekVersion}, which this node's key ` +
            'source does not provide: add it and restart this node',
          'TRESOR_MASTER_KEY',
        );
      });
      const wrapped: WrappedKey = { dataKey: row.wrappedKey, kekVersion: row.kekVersion };
      versions.push({ version: row.version, key: unwrapDataKey(master, wrapped, bindingOf(spaceId, row.version)) });
    }
    const ring = new KeyRing(versions);
    if (rings.size >= maxCached) rings.clear();
    rings.set(spaceId, ring);
    return ring;
  }

  /** Adds the space's next key version (false when another node added that version first). */
  async function addVersion(executor: Executor, spaceId: string, version: number): Promise<boolean> {
    const master = await keys.sealingRing();
    const key = randomBytes(32);
    try {
      const wrapped = wrapDataKey(master, key, bindingOf(spaceId, version));
      const row = { spaceId, version, wrappedKey: wrapped.dataKey, kekVersion: wrapped.kekVersion };
      return await spaceKeyStore.add(executor, row);
    } finally {
      key.fill(0);
    }
  }

  /**
   * A space gets its key with the space (and, on the first start after the upgrade that brought
   * space keys, every space that had none); one found without is given it here.
   */
  async function sealingRing(executor: Executor, spaceId: string): Promise<KeyRing> {
    const ring = rings.get(spaceId) ?? (await load(executor, spaceId));
    if (ring) return ring;
    await addVersion(executor, spaceId, 1);
    const made = await load(executor, spaceId);
    if (!made) throw new IntegrityError(`The key of space ${spaceId} could not be made`);
    return made;
  }

  async function ringFor(executor: Executor, spaceId: string, version: number): Promise<KeyRing> {
    const cached = rings.get(spaceId);
    if (cached?.has(version)) return cached;
    // Another node rotated, or this node has not seen the space yet.
    const loaded = await load(executor, spaceId);
    if (!loaded?.has(version))
      throw new IntegrityError(
        `Key version ${version} of the space that held this value is gone (the space was deleted, or its key ` +
          'rotated away): the value cannot be opened',
      );
    return loaded;
  }

  /** The ring that wraps a stored data key. */
  const openingRing = (executor: Executor, wrapping: WrappingKey): Promise<KeyRing> =>
    wrapping.keySpaceId
      ? ringFor(executor, wrapping.keySpaceId, wrapping.kekVersion)
      : keys.ringFor(wrapping.kekVersion);

  /** Moves one data key onto the space's key version `target`. */
  async function moved(spaceId: string, ring: KeyRing, row: SpaceDataKey, target: number): Promise<SpaceDataKey> {
    const binding = { secretId: row.secretId, version: row.version, environment: row.environment };
    if (row.keySpaceId === spaceId) return { ...row, ...rewrap(ring, row, binding, target), keySpaceId: spaceId };
    const dataKey = unwrapDataKey(await openingRing(db, row), row, binding);
    try {
      return { ...row, ...wrapDataKey(ring, dataKey, binding, target), keySpaceId: spaceId };
    } finally {
      dataKey.fill(0);
    }
  }

  async function moveBatches(spaceId: string, target: number, batchSize: number, onBatch: (n: number) => unknown) {
    let total = 0;
    for (;;) {
      const ring = await ringFor(db, spaceId, target);
      const count = await db.transaction(async (tx) => {
        const batch = await spaceKeyStore.lockBehind(tx, spaceId, target, batchSize);
        const next = [];
        for (const row of batch) next.push(await moved(spaceId, ring, row, target));
        await spaceKeyStore.saveBatch(tx, spaceId, target, next);
        return next.length;
      });
      total += count;
      if (count > 0) await onBatch(total);
      if (count < batchSize) return total;
    }
  }

  return {
    /** The ring to seal a new data key of the space with (its newest key version is current). */
    async sealing(executor: Executor, spaceId: string): Promise<{ ring: KeyRing; keySpaceId: string }> {
      return { ring: await sealingRing(executor, spaceId), keySpaceId: spaceId };
    },

    /** Gives a new space its first key (in the transaction that creates it). */
    async create(executor: Executor, spaceId: string): Promise<void> {
      await addVersion(executor, spaceId, 1);
    },

    /** Gives every space that has no key one (the first start after the upgrade that brought space keys). */
    async ensureAll(): Promise<number> {
      const keyless = await spaceKeyStore.keyless(db);
      for (const spaceId of keyless) await addVersion(db, spaceId, 1);
      return keyless.length;
    },

    openingRing,

    /** Another node or the CLI changed keys: unwrap again on next use. */
    forget(): void {
      rings.clear();
    },

    async status(spaceId: string): Promise<SpaceKeyStatus> {
      const [rows, usage] = await Promise.all([spaceKeyStore.versions(db, spaceId), spaceKeyStore.usage(db, spaceId)]);
      return {
        currentVersion: rows.at(-1)?.version,
        versions: rows.map((r) => ({
          version: r.version,
          createdAt: r.createdAt,
          dataKeys: usage.get(r.version) ?? 0,
        })),
        underMasterKey: usage.get(0) ?? 0,
      };
    },

    /**
     * Rotates the space's key: a new version (or, when data keys are still on an older version
     * of it, the newest: an interrupted rotation resumes), every data key of the space re-wrapped
     * in batches that commit on their own (those still under the master key move onto the
     * space's key too), then the versions no data key uses are deleted.
     */
    async rotate(
      spaceId: string,
      options: { batchSize?: number; onProgress?: (rewrapped: number, target: number) => unknown } = {},
    ): Promise<SpaceRotation> {
      const batchSize = options.batchSize ?? 1000;
      let target = (await sealingRing(db, spaceId)).currentVersion;
      if ((await spaceKeyStore.countOnOlder(db, spaceId, target)) === 0) {
        await addVersion(db, spaceId, target + 1);
        target = (await load(db, spaceId))?.currentVersion ?? target + 1;
        // Every node drops its rings: the next value sealed in the space uses the new version.
        await announce(db, { scope: 'keys' });
      }
      const progress = (n: number) => options.onProgress?.(n, target);
      let rewrapped = await moveBatches(spaceId, target, batchSize, progress);
      // Give nodes that had not heard of the new version yet time to move, then catch what they wrapped meanwhile.
      if (settleMs > 0) await new Promise((done) => setTimeout(done, settleMs));
      rewrapped += await moveBatches(spaceId, target, batchSize, (n) => progress(rewrapped + n));
      let retired = 0;
      try {
        retired = await db.transaction((tx) => spaceKeyStore.retireUnused(tx, spaceId, target));
      } catch (error) {
        // A node wrapped with an old version after all: it stays until the next rotation moves that value.
        if (pgErrorCode(error) !== foreignKeyViolation) throw error;
      }
      await announce(db, { scope: 'keys' });
      return { version: target, rewrapped, retired };
    },
  };
}

export type SpaceKeys = ReturnType<typeof spaceKeysFactory>;
