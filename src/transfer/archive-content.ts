/**
 * What an archive holds, inside its encryption: each secret with its space and visibility,
 * type, description, expiry, owner and shares by e-mail and group name (ids mean nothing on another instance),
 * its notice recipients, and its versions oldest first (the last is the current one), those of its
 * values in its space's other environments too. The
 * schema checks an opened archive before anything is written from it.
 */
import { z } from 'zod';

const version = z.object({ reason: z.string().max(2000), fields: z.record(z.string(), z.unknown()) });
const share = z.union([z.object({ user: z.string() }).strict(), z.object({ group: z.string() }).strict()]);

export const archivedSecretSchema = z.object({
  name: z.string().min(1).max(200),
  /** Its space's name; absent in archives from before spaces: the default space. */
  space: z.string().min(1).max(100).optional(),
  /** Who else may reach it; absent in archives from before spaces: private. */
  visibility: z.enum(['private', 'space', 'global']).optional(),
  type: z.string().min(1).max(100),
  description: z.string().max(2000),
  expiresAt: z.string().nullable(),
  owner: z.string().nullable(),
  shares: z.array(share),
  noticeRecipients: z.array(z.string()),
  versions: z.array(version).min(1),
  /** Its values in its space's other environments (the default's are `versions`), each oldest first. */
  environments: z
    .array(z.object({ environment: z.string().min(1).max(64), versions: z.array(version).min(1) }))
    .optional(),
});
export type ArchivedSecret = z.infer<typeof archivedSecretSchema>;

export const archiveContentSchema = z.object({
  exportedAt: z.string(),
  secrets: z.array(archivedSecretSchema),
  /** The environments each exported space declares, in order (the first its default); absent: none. */
  spaceEnvironments: z.record(z.string(), z.array(z.string().min(1).max(64))).optional(),
});
export type ArchiveContent = z.infer<typeof archiveContentSchema>;
