/** The inputs and results of the secret service, shared by its callers (web, CLI, modules). */
import type { Principal } from '../identity/principal.ts';
import type { SecretFilter } from './secret.store.ts';
import type { SecretMetadata } from './secret-metadata.ts';

export interface CreateSecretInput {
  type: string;
  name: string;
  description?: string;
  fields: unknown;
  /** The user's expiry; the values may bring it earlier (an API key's own date, a certificate's not-after). */
  expiresAt?: Date | null;
  /** Secret fields whose value Tresor makes with the field's generator (never returned). */
  generate?: readonly string[];
  /** The space's name; omitted: the default space. */
  space?: unknown;
  /** `private` (default), `space` or `global`. */
  visibility?: unknown;
}

export interface UpdateSecretInput {
  /** Omitted: the fields stay as they are. Secret fields left empty keep their stored value. */
  fields?: unknown;
  /** Patch semantics: non-secret fields left out of `fields` keep their current value. */
  merge?: boolean;
  description?: string;
  expiresAt?: Date | null;
  /** The version the caller read; a different current version is a conflict. */
  expectedVersion?: number;
  /** Secret fields whose value Tresor makes anew with the field's generator (never returned). */
  generate?: readonly string[];
  reason?: string;
  /** The environment whose value this one copies (on record; nobody saw the value). */
  copiedFrom?: string;
}

export interface UpdateResult {
  secret: SecretMetadata;
  /** false when the update changed nothing (no version was written). */
  changed: boolean;
}

/** How a listing is ordered: by name (the default), newest change, soonest expiry, latest use. */
export const listSorts = ['name', 'updated', 'expires', 'used'] as const;
export type ListSort = (typeof listSorts)[number];

export interface ListOptions extends Omit<SecretFilter, 'access' | 'spaceId'> {
  limit?: number;
  /** Only the secrets of this space (by name); a space that does not exist lists nothing. */
  space?: string;
  /** Cursor: the last name of the previous page (ordered by name). */
  after?: string;
  sort?: ListSort;
  /** Rows to skip, for pages of another order than by name. */
  offset?: number;
  /** Every secret, not only the principal's store (SECRET_MANAGEMENT or Tresor itself). */
  all?: boolean;
}

/** Whether `principal` may use the secret `name`, and its type (the use service answers). */
export type ReferenceChecker = (principal: Principal, name: string) => Promise<{ typeId: string }>;
