/**
 * Environments over the API: the ones a space declares (/spaces/:space/environments), and a
 * secret's value in each (/secrets/:id/environments): side by side, set one, copy one to another.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf, requireToken } from '../plugins/auth.plugin.ts';
import { errorSchema, idParams, json } from './schemas.ts';
import { generateList } from './secrets.routes.ts';

const errors = { 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema, 422: errorSchema };
const spaceParams = z.object({ space: z.string().min(1).max(100) });
const environmentSchema = z.object({ name: z.string(), default: z.boolean(), createdAt: z.iso.datetime() });
const valueSchema = z.object({
  environment: z.string(),
  default: z.boolean(),
  set: z.boolean(),
  version: z.number().int().optional(),
  updatedAt: z.iso.datetime().optional(),
  updatedBy: z.string().nullable().optional(),
  fields: z.record(z.string(), z.unknown()).optional().describe('Non-secret fields only'),
  sealed: z.array(z.string()).optional().describe('The secret fields that hold a value (never the value)'),
});
const writeSchema = z.object({
  environment: z.string().describe("'' for the default environment (the secret's own value)"),
  version: z.number().int(),
});
const secretEnvironmentParams = idParams.extend({ environment: z.string().min(1).max(64) });

export const environmentsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { spaces, secrets } = app.tresor;
  app.addHook('preHandler', requireToken);

  app.get(
    '/spaces/:space/environments',
    {
      schema: {
        tags: ['spaces'],
        summary: "The space's environments in order (the first is its default): for whoever sees the space",
        params: spaceParams,
        response: { 200: z.object({ items: z.array(environmentSchema) }), ...errors },
      },
    },
    async (request) => ({
      items: (await spaces.environments(principalOf(request), request.params.space)).map(json),
    }),
  );

  app.post(
    '/spaces/:space/environments',
    {
      schema: {
        tags: ['spaces'],
        summary: 'Declare an environment after the others (its admins, instance administrators)',
        description:
          "The first a space declares is its default: its secrets' own values are that environment's values.",
        params: spaceParams,
        body: z.object({ name: z.string().max(64) }).strict(),
        response: { 201: environmentSchema, ...errors },
      },
    },
    async (request, reply) => {
      reply.status(201);
      return json(await spaces.addEnvironment(principalOf(request), request.params.space, request.body.name));
    },
  );

  app.delete(
    '/spaces/:space/environments/:environment',
    {
      schema: {
        tags: ['spaces'],
        summary: 'Remove an environment and destroy every value its secrets hold there',
        description:
          '409 (field `force`) while secrets hold values in it, unless `force=true`; the default goes last (409).',
        params: spaceParams.extend({ environment: z.string().min(1).max(64) }),
        querystring: z.object({ force: z.enum(['true', 'false']).optional() }),
        response: { 200: z.object({ versionsDestroyed: z.number().int() }), ...errors },
      },
    },
    async (request) =>
      spaces.removeEnvironment(principalOf(request), request.params.space, request.params.environment, {
        force: request.query.force === 'true',
      }),
  );

  app.get(
    '/secrets/:id/environments',
    {
      schema: {
        tags: ['secrets'],
        summary: "The secret's value in each environment of its space, side by side (never a secret value)",
        params: idParams,
        response: { 200: z.object({ items: z.array(valueSchema) }), ...errors },
      },
    },
    async (request) => ({
      items: (await secrets.environments(principalOf(request), request.params.id)).map(({ updatedAt, ...v }) => ({
        ...v,
        ...(updatedAt ? { updatedAt: updatedAt.toISOString() } : {}),
      })),
    }),
  );

  app.put(
    '/secrets/:id/environments/:environment',
    {
      schema: {
        tags: ['secrets'],
        summary: "Set the secret's value in one environment: a new version of that environment's value",
        description:
          "Every field, as when creating; secret fields left empty keep that environment's stored value. The default " +
          "environment's value is the secret's own (the same as PATCH /secrets/:id).",
        params: secretEnvironmentParams,
        body: z.object({
          fields: z.record(z.string(), z.unknown()),
          generate: generateList,
          reason: z.string().max(2000).optional(),
        }),
        response: { 200: writeSchema, ...errors },
      },
    },
    async (request) =>
      secrets.setEnvironment(principalOf(request), request.params.id, request.params.environment, {
        fields: request.body.fields,
        ...(request.body.generate ? { generate: request.body.generate } : {}),
        ...(request.body.reason === undefined ? {} : { reason: request.body.reason }),
      }),
  );

  app.post(
    '/secrets/:id/environments/:environment/copy',
    {
      schema: {
        tags: ['secrets'],
        summary: "Copy another environment's current value here, as a new version: nobody sees it (audited)",
        params: secretEnvironmentParams,
        body: z.object({ from: z.string().min(1).max(64), reason: z.string().max(2000).optional() }).strict(),
        response: { 200: writeSchema, ...errors },
      },
    },
    async (request) =>
      secrets.copyEnvironment(principalOf(request), request.params.id, {
        from: request.body.from,
        to: request.params.environment,
        ...(request.body.reason === undefined ? {} : { reason: request.body.reason }),
      }),
  );
};
