/** /api/v1/admin/export and /admin/import: archives of secrets with their values (SECRET_EXPORT). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf, requireToken } from '../plugins/auth.plugin.ts';
import { errorSchema } from './schemas.ts';

const errors = { 401: errorSchema, 403: errorSchema, 413: errorSchema, 422: errorSchema };
/** An archive of a large store is large; the route allows it, and only to a SECRET_EXPORT holder. */
const archiveBodyLimit = 64 * 1024 * 1024;

const reportSchema = z.object({
  dryRun: z.boolean(),
  exportedAt: z.string(),
  lines: z.array(
    z.object({
      name: z.string(),
      as: z.string(),
      type: z.string(),
      outcome: z.enum(['created', 'renamed', 'skipped', 'failed']),
      versions: z.number(),
      notes: z.array(z.string()),
    }),
  ),
  counts: z.object({ created: z.number(), renamed: z.number(), skipped: z.number(), failed: z.number() }),
});

export const transferRoutes: FastifyPluginAsyncZod = async (app) => {
  const { transfer } = app.tresor;
  app.addHook('preHandler', requireToken);

  app.post(
    '/admin/export',
    {
      schema: {
        tags: ['admin'],
        summary: 'An archive of every secret (or `only` these) with its values, sealed with the passphrase',
        body: z
          .object({
            passphrase: z.string().max(1024),
            allVersions: z.boolean().optional(),
            only: z.array(z.string().max(200)).max(10_000).optional(),
            space: z.string().max(100).optional().describe("Only this space's secrets"),
          })
          .strict(),
        response: { 200: z.string(), ...errors },
      },
    },
    async (request, reply) => {
      const { passphrase, allVersions, only, space } = request.body;
      const { archive } = await transfer.exportArchive(principalOf(request), {
        passphrase,
        ...(allVersions === undefined ? {} : { allVersions }),
        ...(only ? { only } : {}),
        ...(space ? { space } : {}),
      });
      return reply
        .type('application/vnd.tresor.archive')
        .header('Content-Disposition', 'attachment; filename="backup.tresor"')
        .send(archive);
    },
  );

  app.post(
    '/admin/import',
    {
      bodyLimit: archiveBodyLimit,
      // Asked before the body is read: up to 64 MiB is parsed only for whoever may import.
      preParsing: async (request) => {
        await requireToken(request);
        await app.tresor.gate.require(principalOf(request), 'SECRET_EXPORT', 'Importing secrets with their values');
      },
      schema: {
        tags: ['admin'],
        summary: 'Create the secrets of an archive here; dryRun shows what would be created, renamed or skipped',
        body: z
          .object({
            archive: z.string(),
            passphrase: z.string().max(1024),
            dryRun: z.boolean().optional(),
            onConflict: z.enum(['skip', 'rename']).optional(),
          })
          .strict(),
        response: { 200: reportSchema, ...errors },
      },
    },
    async (request) => {
      const { archive, passphrase, dryRun, onConflict } = request.body;
      return transfer.importArchive(principalOf(request), archive, {
        passphrase,
        ...(dryRun === undefined ? {} : { dryRun }),
        ...(onConflict ? { onConflict } : {}),
      });
    },
  );
};
