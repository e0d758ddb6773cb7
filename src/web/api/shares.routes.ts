/** /api/v1/secrets/:id/shares: share with users and groups, and take shares back. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf, requireToken } from '../plugins/auth.plugin.ts';
import { errorSchema, idParams, json, shareSchema } from './schemas.ts';

const errors = { 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema, 422: errorSchema };

export const sharesRoutes: FastifyPluginAsyncZod = async (app) => {
  const { shares } = app.tresor;
  app.addHook('preHandler', requireToken);

  app.get(
    '/secrets/:id/shares',
    {
      schema: {
        tags: ['shares'],
        summary: 'Who the secret is shared with',
        params: idParams,
        response: { 200: z.object({ items: z.array(shareSchema) }), ...errors },
      },
    },
    async (request) => ({
      items: (await shares.shares(principalOf(request), request.params.id)).map(json),
    }),
  );

  app.post(
    '/secrets/:id/shares',
    {
      schema: {
        tags: ['shares'],
        summary: 'Share with a user (by e-mail or id) or a group (by name or id)',
        params: idParams,
        body: z.union([
          z.object({ user: z.string().min(1).max(320) }).strict(),
          z.object({ group: z.string().min(1).max(100) }).strict(),
        ]),
        response: { 201: shareSchema, ...errors },
      },
    },
    async (request, reply) => {
      reply.status(201);
      return json(await shares.share(principalOf(request), request.params.id, request.body));
    },
  );

  app.delete(
    '/secrets/:id/shares/:shareId',
    {
      schema: {
        tags: ['shares'],
        summary: 'Remove a share',
        params: idParams.extend({ shareId: z.string().max(100) }),
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await shares.unshare(principalOf(request), request.params.id, request.params.shareId);
      return reply.status(204).send(null);
    },
  );
};
