/** /api/v1/provided: the secrets held outside Tresor (environment, mounted files) named for the caller. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf, requireToken } from '../plugins/auth.plugin.ts';
import { errorSchema } from './schemas.ts';

export const providedRoutes: FastifyPluginAsyncZod = async (app) => {
  const { provided } = app.tresor;
  app.addHook('preHandler', requireToken);

  app.get(
    '/provided',
    {
      schema: {
        tags: ['secrets'],
        summary: 'Secrets from providers named for the caller: provider, name, type, which fields are set (no values)',
        response: {
          200: z.object({
            items: z.array(
              z.object({
                provider: z.string(),
                name: z.string(),
                type: z.string().nullable(),
                fields: z.array(z.string()),
                problem: z.string().nullable(),
              }),
            ),
          }),
          401: errorSchema,
        },
      },
    },
    async (request) => ({
      items: (await provided.visibleTo(principalOf(request))).map((p) => ({
        provider: p.provider,
        name: p.name,
        type: p.type ?? null,
        fields: p.fields,
        problem: p.problem ?? null,
      })),
    }),
  );
};
