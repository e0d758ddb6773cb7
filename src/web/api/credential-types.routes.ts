/** /api/v1/credential-types: the registry, with form models and JSON schemas. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CredentialType } from '../../credentials/index.ts';
import { requireToken } from '../plugins/auth.plugin.ts';
import { errorSchema, typeSummarySchema } from './schemas.ts';

const summary = (t: CredentialType) => ({
  id: t.id,
  name: t.definition.name,
  description: t.definition.description,
  logo: t.definition.logo,
  sharing: t.definition.sharing ?? null,
});

export const credentialTypesRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('preHandler', requireToken);

  app.get(
    '/credential-types',
    {
      schema: {
        tags: ['credential types'],
        summary: 'Registered credential types',
        response: { 200: z.object({ items: z.array(typeSummarySchema) }), 401: errorSchema },
      },
    },
    async () => ({
      items: app.tresor.registry.list().map(summary),
    }),
  );

  app.get(
    '/credential-types/:id',
    {
      schema: {
        tags: ['credential types'],
        summary: 'One type with its form model and JSON schema',
        params: z.object({ id: z.string().max(48) }),
        response: {
          200: typeSummarySchema.extend({ formModel: z.unknown(), jsonSchema: z.unknown() }),
          401: errorSchema,
          404: errorSchema,
        },
      },
    },
    async (request) => {
      const type = app.tresor.registry.get(request.params.id);
      return { ...summary(type), formModel: type.formModel, jsonSchema: type.jsonSchema };
    },
  );
};
