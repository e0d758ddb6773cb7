/**
 * A secret's reads: its metadata, its non-secret fields and facts, a listing, its versions
 * and what changed between two of them, and what the principal may do with it. Each asks the
 * gate first, and each is on record (group-committed, like uses).
 */
import type { SecretOperation } from '../access/secret.policy.ts';
import { ValidationError } from '../errors.ts';
import type { Principal } from '../identity/principal.ts';
import { spaceStore } from '../spaces/space.store.ts';
import { type SecretRow, secretStore } from './secret.store.ts';
import type { ListOptions } from './secret-inputs.ts';
import { metadataOf, type SecretDetail, type SecretMetadata, type VersionInfo } from './secret-metadata.ts';
import type { ChangeOperation, SecretServiceDeps } from './secret-service-deps.ts';
import { compareVersions, type FieldChange } from './version-compare.ts';
import { secretKeys } from './version-writer.ts';

export function secretReads({ db, gate, audit, registry, cache }: SecretServiceDeps) {
  const typeOf = (row: SecretRow) => registry.get(row.typeId);

  /** Reads are on record too (group-committed, like uses). */
  const recordRead = (principal: Principal, row: SecretRow, view: 'metadata' | 'fields' | 'versions' | 'shares') =>
    audit.write({
      actor: principal,
      event: { action: 'secret.read', target: { id: row.id, name: row.name }, details: { view } },
    });

  return {
    /**
     * A secret's metadata. `for` names what the caller is about to offer (a form to change,
     * share or delete it): refused (403, audited) to whoever may read but not do that.
     */
    async get(principal: Principal, ref: string, options: { for?: ChangeOperation } = {}): Promise<SecretMetadata> {
      const { row } = await gate.check(principal, ref, options.for ?? 'read');
      await recordRead(principal, row, 'metadata');
      return metadataOf(row);
    },

    /**
     * A secret's metadata, non-secret fields and facts. `for: 'update'` asks for them to edit:
     * refused (403, audited) to whoever may read but not change it, before anything is opened.
     */
    async describe(principal: Principal, ref: string, options: { for?: ChangeOperation } = {}): Promise<SecretDetail> {
      const grant = await gate.check(principal, ref, options.for ?? 'read');
      const type = typeOf(grant.row);
      const payload = await gate.open(db, grant);
      await recordRead(principal, grant.row, 'fields');
      // Facts were derived once, when the version was written; rows from before then derive them now.
      const facts =
        grant.row.facts ?? (type.inspects ? (await type.inspect(payload).catch(() => ({ facts: {} }))).facts : {});
      return {
        ...metadataOf(grant.row),
        fields: type.publicFields(payload),
        facts,
        sealed: type.sealedFields(payload),
      };
    },

    /** The principal's store (owned plus shared with them directly), or with `all` every secret. */
    async list(principal: Principal, options: ListOptions = {}): Promise<readonly SecretMetadata[]> {
      const limit = Math.min(Math.max(options.limit ?? 50, 1), 500);
      const listing = await gate.listing(principal, { all: options.all === true });
      if (!listing) return [];
      const { all: _all, limit: _limit, after, sort, offset, space, ...rest } = options;
      // A filter narrows what the listing shows anyway: a space's name reveals nothing it would not.
      const spaceRow = space ? await spaceStore.byName(db, space) : undefined;
      if (space && !spaceRow) return [];
      const filter = spaceRow ? { ...rest, spaceId: spaceRow.id } : rest;
      const page = {
        limit,
        ...(after === undefined || (sort ?? 'name') !== 'name' ? {} : { afterName: after }),
        ...(sort && sort !== 'name' ? { sort } : {}),
        ...(offset && offset > 0 ? { offset: Math.min(Math.floor(offset), 1_000_000) } : {}),
      };
      // Frozen, and kept so in the cache: the same page is the same object until a notice drops it,
      // so its JSON is written once (serializer.ts) instead of on every request.
      const load = async () =>
        Object.freeze(
          (await secretStore.list(db, { ...filter, access: listing.access }, page)).map((row) =>
            Object.freeze(metadataOf(row)),
          ),
        );
      const items = cache
        ? await cache.through('lists', JSON.stringify([listing.key, filter, page]), load)
        : await load();
      // Listing everything is a manager's read of every name: on record.
      if (listing.all)
        await audit.write({
          actor: principal,
          event: {
            action: 'secret.listed',
            target: { id: null, name: 'all secrets' },
            details: { all: true, count: items.length },
          },
        });
      return items;
    },

    /** What the principal may do with the secret (for showing only the buttons that will work). */
    async allowed(principal: Principal, ref: string): Promise<Record<SecretOperation, boolean>> {
      return gate.operations(await gate.check(principal, ref, 'read'));
    },

    async versions(principal: Principal, ref: string): Promise<VersionInfo[]> {
      const { row } = await gate.check(principal, ref, 'versions');
      await recordRead(principal, row, 'versions');
      return secretStore.versions(db, row.id);
    },

    /**
     * What changed from version `from` to version `to` (either order): non-secret fields old →
     * new, secret fields changed or not (version-compare.ts). For whoever may read the secret;
     * on record as a read of its versions.
     */
    async compare(
      principal: Principal,
      ref: string,
      from: number,
      to: number,
    ): Promise<{ secret: SecretMetadata; from: VersionInfo; to: VersionInfo; fields: FieldChange[] }> {
      for (const [name, v] of [
        ['from', from],
        ['to', to],
      ] as const)
        if (!Number.isInteger(v) || v < 1) throw ValidationError.field(name, 'Version must be a whole number from 1');
      const grant = await gate.check(principal, ref, 'read');
      const { row } = grant;
      const versions = await secretStore.versions(db, row.id);
      const infoOf = (v: number, field: 'from' | 'to') => {
        const info = versions.find((i) => i.version === v);
        if (!info)
          throw ValidationError.field(field, `Secret "${row.name}" has no version ${v} (latest is ${row.version})`);
        return info;
      };
      const [fromInfo, toInfo] = [infoOf(from, 'from'), infoOf(to, 'to')];
      const [before, after, entered] = await Promise.all([
        gate.open(db, grant, from),
        gate.open(db, grant, to),
        secretStore.enteredBetween(db, row.id, Math.min(from, to), Math.max(from, to)),
      ]);
      await recordRead(principal, row, 'versions');
      // Secret fields changed where a version between them entered them (a version from before
      // this was recorded counts as having entered all): recorded, never compared.
      const type = typeOf(row);
      const changedSecrets = new Set(entered.flatMap((keys) => keys ?? secretKeys(type)));
      return {
        secret: metadataOf(row),
        from: fromInfo,
        to: toInfo,
        fields: compareVersions(type, before, after, changedSecrets),
      };
    },
  };
}
