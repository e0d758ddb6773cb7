/**
 * Opens sealed versions. Handed to the access gate alone, which opens a payload only for a
 * grant it issued: no service, route, CLI command or module can open one without a check.
 */
import type { ReadCache } from '../cluster/read-cache.ts';
import type { Payload } from '../credentials/index.ts';
import { openPayload, openPayloadWith, unwrapDataKey } from '../crypto/envelope.ts';
import type { SpaceKeys, StoredPayload } from '../crypto/space-keys.ts';
import type { Database, Executor } from '../db/client.ts';
import { NotFoundError } from '../errors.ts';
import { type SecretRow, secretStore } from '../secrets/secret.store.ts';

/**
 * Opens version `version` of a secret's value ('' its own, else environment `environment`'s); `sealed`, when the
 * caller already read that version, saves the read.
 */
export type PayloadReader = (
  tx: Executor,
  row: SecretRow,
  version: number,
  sealed?: StoredPayload,
  environment?: string,
) => Promise<Payload>;

export function payloadReader({
  db,
  keys,
  cache,
  versionsKept,
}: {
  db: Database;
  /** The rings that wrap data keys: the secret's space's key (or, for older versions, the master key). */
  keys: Pick<SpaceKeys, 'openingRing'>;
  cache?: ReadCache;
  versionsKept: number;
}): PayloadReader {
  async function unwrapped(
    tx: Executor,
    secretId: string,
    version: number,
    environment: string,
  ): Promise<{ payload: Buffer; dataKey: Buffer } | undefined> {
    const sealed = await secretStore.version(tx, secretId, version, environment);
    if (!sealed) return undefined;
    return {
      payload: sealed.payload,
      dataKey: unwrapDataKey(await keys.openingRing(tx, sealed), sealed, { secretId, version, environment }),
    };
  }

  return async (tx, row, version, given, environment = '') => {
    // Sealed rows are immutable but for re-wrapping and deletion, both announced; outside a change they may come from
    // the cache.
    const context = { secretId: row.id, version, typeId: row.typeId, environment };
    const missing = () =>
      new NotFoundError(
        `Version ${version} of secret "${row.name}" no longer exists (only the last ${versionsKept} are kept)`,
      );
    let plaintext: Buffer;
    if (given) {
      plaintext = openPayload(await keys.openingRing(tx, given), given, context);
    } else if (cache && tx === db) {
      // The cache keeps the sealed row with its data key unwrapped (in memory only), so a warm use skips the unwrap.
      const unsealed = await cache.through(
        'sealed',
        `${row.id}|${environment}|${version}`,
        () => unwrapped(tx, row.id, version, environment),
        () => row.id,
      );
      if (!unsealed) throw missing();
      plaintext = openPayloadWith(unsealed.dataKey, unsealed.payload, context);
    } else {
      const sealed = await secretStore.version(tx, row.id, version, environment);
      if (!sealed) throw missing();
      plaintext = openPayload(await keys.openingRing(tx, sealed), sealed, context);
    }
    return JSON.parse(plaintext.toString('utf8')) as Payload;
  };
}
