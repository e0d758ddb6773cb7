/** What anyone allowed to see a secret may see: plaintext metadata, never a field value. */
import type { Visibility } from '../access/secret.policy.ts';
import type { PublicFields } from '../credentials/index.ts';
import type { SecretRow } from './secret.store.ts';

export interface SecretMetadata {
  id: string;
  name: string;
  /** The space it is in (`spaces.names` gives its name; names never change). */
  spaceId: string;
  /** `private`, `space` or `global` (access/secret.policy.ts says what each lets others do). */
  visibility: Visibility;
  description: string;
  type: string;
  ownerId: string | null;
  version: number;
  createdAt: Date;
  createdBy: string | null;
  updatedAt: Date;
  updatedBy: string | null;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
}

/** Metadata plus the non-secret fields and derived facts, for a store view or an edit form. */
export interface SecretDetail extends SecretMetadata {
  fields: PublicFields;
  facts: Record<string, string>;
  /** The secret fields that hold a value (names only). */
  sealed: string[];
}

export interface VersionInfo {
  version: number;
  createdAt: Date;
  createdBy: string | null;
  /** The writer's name (display name, else e-mail); null for Tresor itself or a deleted user. */
  createdByName: string | null;
  reason: string;
}

export function metadataOf(row: SecretRow): SecretMetadata {
  return {
    id: row.id,
    name: row.name,
    spaceId: row.spaceId,
    // The column's check constraint admits only these.
    visibility: row.visibility as Visibility,
    description: row.description,
    type: row.typeId,
    ownerId: row.ownerId,
    version: row.version,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
    updatedAt: row.updatedAt,
    updatedBy: row.updatedBy,
    expiresAt: row.expiresAt,
    lastUsedAt: row.lastUsedAt,
  };
}
