/**
 * Request and response schemas of the REST API (zod; the OpenAPI document at /api/docs is
 * generated from them). Responses are serialised through these schemas, so a key not
 * listed here can never reach a client, whatever a service returns.
 */
import { z } from 'zod';
import type { SecretDetail, SecretMetadata, VersionInfo } from '../../secrets/secret-metadata.ts';
import { type Dated, isoDates } from '../../text/iso-dates.ts';

const iso = z.iso.datetime();
const isoOrNull = iso.nullable();

export const errorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    field: z.string().optional(),
    /** For VALIDATION_FAILED: what was invalid ("Invalid SMTP outgoing server"), the message's first part. */
    title: z.string().optional(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});

export const secretMetadataSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  space: z.string().describe('The space it is in: refer to it as `space/name` (a bare name: the default space)'),
  spaceId: z.uuid(),
  visibility: z.enum(['private', 'space', 'global']),
  description: z.string(),
  type: z.string(),
  ownerId: z.uuid().nullable(),
  version: z.number().int(),
  createdAt: iso,
  createdBy: z.uuid().nullable(),
  updatedAt: iso,
  updatedBy: z.uuid().nullable(),
  expiresAt: isoOrNull,
  lastUsedAt: isoOrNull,
});

/** A page of a listing: `next` is the name to continue after. */
export const secretsPageSchema = z.object({ items: z.array(secretMetadataSchema), next: z.string().nullable() });

// Pairs of a secret pairs field show their names only: the value key is stripped by serialisation.
const publicValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.object({ name: z.string() }))]);

export const secretDetailSchema = secretMetadataSchema.extend({
  fields: z
    .record(z.string(), publicValue)
    .describe('Non-secret fields; secret fields never appear (secret pairs keep only their names)'),
  facts: z.record(z.string(), z.string()).describe('Derived, non-secret facts (certificate subject, key fingerprint)'),
});

export const versionSchema = z.object({
  version: z.number().int(),
  createdAt: iso,
  createdBy: z.uuid().nullable(),
  createdByName: z.string().nullable().describe("The writer's display name (else e-mail); null: Tresor itself"),
  reason: z.string(),
});

/**
 * Two versions compared. A secret field says only whether it changed (and whether it is set);
 * a pairs field which names came and went. `from`/`to` of a non-secret field use the same
 * public values as a secret's `fields` (a pair's value key is stripped).
 */
export const comparisonSchema = z.object({
  from: versionSchema,
  to: versionSchema,
  fields: z.array(
    z.object({
      key: z.string(),
      secret: z.boolean(),
      /** A secret list of name/value pairs: `added`, `removed` and `valuesChanged` say what changed. */
      pairs: z.boolean().optional(),
      changed: z.boolean(),
      from: publicValue.nullable().optional(),
      to: publicValue.nullable().optional(),
      setBefore: z.boolean().optional(),
      setAfter: z.boolean().optional(),
      added: z.array(z.string()).optional(),
      removed: z.array(z.string()).optional(),
      valuesChanged: z.boolean().optional(),
    }),
  ),
});

export const shareSchema = z.object({
  id: z.uuid(),
  kind: z.enum(['user', 'group']),
  principalId: z.uuid(),
  label: z.string(),
  createdAt: iso,
});

export const userSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  displayName: z.string(),
  disabled: z.boolean(),
  /** The language the web UI speaks to the user; null: the browser's. */
  locale: z.string().nullable(),
  createdAt: iso,
});
/** A mailed one-time link (invitation, password reset): when it stops working, whether the mail went out. */
export const mailedLinkSchema = z.object({
  expiresAt: iso,
  mailed: z.boolean(),
  /** Why the mail did not go out (no SMTP relay, the relay refused); the link stands: send it again. */
  problem: z.string().optional(),
});
export const mailedLink = (m: { expiresAt: Date; mailed: boolean; problem?: string }) => ({
  expiresAt: m.expiresAt.toISOString(),
  mailed: m.mailed,
  ...(m.problem === undefined ? {} : { problem: m.problem }),
});
export const groupSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  description: z.string(),
  builtIn: z.boolean(),
  /** The sign-in source whose directory owns the members (oidc, ldap, host); null: managed in Tresor. */
  managedBy: z.string().nullable(),
});
export const tokenSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  createdAt: iso,
  expiresAt: isoOrNull,
  revokedAt: isoOrNull,
  lastUsedAt: isoOrNull,
  scope: z.enum(['read', 'full']),
});

export const typeSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  logo: z.string(),
  sharing: z.object({ requiredGroup: z.string(), creatorMustBelong: z.boolean() }).nullable(),
});

export const idParams = z.object({ id: z.string().min(1).max(200) });

/**
 * Secret metadata as the API answers it. Its schema is plain, so fast-json-stringify writes
 * it (serializer.ts) and writes each Date in ISO form itself (format date-time): a listing
 * skips rebuilding 50 objects. The serializer test checks the dates come out ISO.
 */
export const metadataJson = (m: SecretMetadata, spaceNames: SpaceNameMap) =>
  ({ ...m, space: spaceNames.get(m.spaceId) ?? '' }) as unknown as Dated<SecretMetadata & { space: string }>;
export const detailJson = (d: SecretDetail, spaceNames: SpaceNameMap) =>
  isoDates({ ...d, space: spaceNames.get(d.spaceId) ?? '' });
/** Space names by id (`tresor.spaces.names.of`): what the answers say a secret's space is. */
export type SpaceNameMap = ReadonlyMap<string, string>;
export const versionJson = (v: VersionInfo) => isoDates(v);
export const json = isoDates;
