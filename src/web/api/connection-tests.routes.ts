/** Connection tests over HTTP: of a stored secret (optionally with edited values), and of a new one's values. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { TestedSecret } from '../../secrets/connection-test.service.ts';
import { principalOf, requireToken } from '../plugins/auth.plugin.ts';
import { errorSchema, idParams, metadataJson, type SpaceNameMap, secretMetadataSchema } from './schemas.ts';

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 422: errorSchema };

export const testReportSchema = z.object({
  // Absent for unsaved values of a new secret (optional, not nullable: the serializer writes its dates directly).
  secret: secretMetadataSchema.optional(),
  type: z.string(),
  unsaved: z.boolean().describe('Whether unsaved values were tested'),
  ok: z.boolean().describe('No check failed'),
  durationMs: z.number().int(),
  checks: z.array(z.object({ name: z.string(), status: z.enum(['passed', 'failed', 'skipped']), message: z.string() })),
});

const reportJson = (tested: TestedSecret, spaceNames: SpaceNameMap) => ({
  ...(tested.secret ? { secret: metadataJson(tested.secret, spaceNames) } : {}),
  type: tested.type,
  unsaved: tested.unsaved,
  ok: tested.report.ok,
  durationMs: tested.report.durationMs,
  checks: tested.report.checks,
});

export const connectionTestsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { tests, spaces } = app.tresor;
  const answer = async (tested: TestedSecret) =>
    reportJson(tested, await spaces.names.of(tested.secret ? [tested.secret.spaceId] : []));
  app.addHook('preHandler', requireToken);

  app.post(
    '/secrets/:id/test',
    {
      schema: {
        tags: ['secrets'],
        summary: 'Run the type’s connection test on a stored secret',
        description:
          'Whoever may use the secret may test it; audited as secret.tested. With fields, the edited values are ' +
          'tested instead (secret fields left empty keep the stored ones; a changed destination needs them entered).',
        params: idParams,
        body: z.object({ fields: z.record(z.string(), z.unknown()).optional() }).nullish(),
        response: { 200: testReportSchema, ...errors },
      },
    },
    async (request) =>
      answer(
        await tests.testStored(
          principalOf(request),
          request.params.id,
          request.body?.fields === undefined ? {} : { fields: request.body.fields },
        ),
      ),
  );

  app.post(
    '/secrets/test',
    {
      schema: {
        tags: ['secrets'],
        summary: 'Run a type’s connection test on the values of a secret not saved yet',
        description: 'Whoever may create a secret of the type may test values for it; nothing is stored.',
        body: z.object({ type: z.string().max(48), fields: z.record(z.string(), z.unknown()) }),
        response: { 200: testReportSchema, ...errors },
      },
    },
    async (request) => answer(await tests.testNew(principalOf(request), request.body.type, request.body.fields)),
  );
};
