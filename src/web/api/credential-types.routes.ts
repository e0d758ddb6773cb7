/** /api/v1/credential-types: the registry, with form models and JSON schemas. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CredentialType } from '../../credentials/index.ts';
import { requireToken } from '../plugins/auth.plugin.ts';
import { errorSchema, typeSummarySchema } from './schemas.ts';

/** In the request's locale (Accept-Language): name, description, form model and JSON Schema titles. */
const summary = (t: CredentialType, locale: string) => ({
  id: t.id,
  name: t.in(locale).definition.name,
  description: t.in(locale).definition.description,
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
    async (request) => ({
      items: app.tresor.registry.list().map((type) => summary(type, request.locale)),
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
      const view = type.in(request.locale);
      return { ...summary(type, request.locale), formModel: view.formModel, jsonSchema: view.jsonSchema };
    },
  );
};
