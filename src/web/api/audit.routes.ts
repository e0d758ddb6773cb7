/** /api/v1/audit: query the trail and check its hash chain (AUDIT_READ). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf, requireToken } from '../plugins/auth.plugin.ts';
import { errorSchema, json } from './schemas.ts';

/** An audit row as the API answers it (also a space's log: spaces.routes.ts). */
export const auditEntrySchema = z.object({
  id: z.number().int(),
  at: z.iso.datetime(),
  actorId: z.string().nullable(),
  actor: z.string(),
  principal: z.string().nullable(),
  action: z.string(),
  targetId: z.string().nullable(),
  targetName: z.string().nullable(),
  outcome: z.string(),
  module: z.string().nullable(),
  requestId: z.string().nullable(),
  clientAddress: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});

const errors = { 401: errorSchema, 403: errorSchema, 422: errorSchema };

export const auditRoutes: FastifyPluginAsyncZod = async (app) => {
  const { audit } = app.tresor;
  app.addHook('preHandler', requireToken);

  app.get(
    '/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'Audit events, newest first',
        querystring: z.object({
          actor: z.uuid().optional(),
          secret: z.string().max(100).optional(),
          action: z.string().max(64).optional(),
          from: z.iso.datetime({ offset: true }).optional(),
          to: z.iso.datetime({ offset: true }).optional(),
          before: z.coerce.number().int().min(1).optional(),
          changes: z
            .enum(['only'])
            .optional()
            .describe('`only`: rows that changed something (no reads, uses, sign-ins)'),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
        response: { 200: z.object({ items: z.array(auditEntrySchema), next: z.number().int().nullable() }), ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      const items = await audit.query(principalOf(request), {
        limit: q.limit,
        ...(q.actor ? { actorId: q.actor } : {}),
        ...(q.secret ? { targetId: q.secret } : {}),
        ...(q.action ? { action: q.action } : {}),
        ...(q.from ? { from: new Date(q.from) } : {}),
        ...(q.to ? { to: new Date(q.to) } : {}),
        ...(q.before ? { before: q.before } : {}),
        ...(q.changes ? { changesOnly: true } : {}),
      });
      return {
        items: items.map((e) => ({ ...json(e), details: e.details as Record<string, unknown> })),
        next: items.length === q.limit ? items.at(-1)!.id : null,
      };
    },
  );

  app.get(
    '/audit/verify',
    {
      schema: {
        tags: ['audit'],
        summary: 'Walk the hash chain',
        response: {
          200: z.object({
            ok: z.boolean(),
            rows: z.number().int(),
            firstBad: z.object({ id: z.number().int(), problem: z.string() }).optional(),
          }),
          ...errors,
        },
      },
    },
    async (request) => audit.verify(principalOf(request)),
  );
};
