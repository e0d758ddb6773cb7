/**
 * What an archive holds, inside its encryption: each secret with its space and visibility,
 * type, description, expiry, owner and shares by e-mail and group name (ids mean nothing on another instance),
 * its notice recipients, and its versions oldest first (the last is the current one). The
 * schema checks an opened archive before anything is written from it.
 */
import { z } from 'zod';

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
  versions: z.array(z.object({ reason: z.string().max(2000), fields: z.record(z.string(), z.unknown()) })).min(1),
});
export type ArchivedSecret = z.infer<typeof archivedSecretSchema>;

export const archiveContentSchema = z.object({
  exportedAt: z.string(),
  secrets: z.array(archivedSecretSchema),
});
export type ArchiveContent = z.infer<typeof archiveContentSchema>;
