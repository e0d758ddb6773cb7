/** /api/v1/spaces: spaces, and the roles users and groups hold in them. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { spaceRoleNames } from '../../access/principal-facts.ts';
import { principalOf, requireToken } from '../plugins/auth.plugin.ts';
import { auditEntrySchema } from './audit.routes.ts';
import { errorSchema, json } from './schemas.ts';

const errors = { 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema, 422: errorSchema };
const spaceSchema = z.object({ id: z.string(), name: z.string(), description: z.string(), createdAt: z.date() });
const spaceParams = z.object({ space: z.string().min(1).max(100) });
const roleSchema = z.object({
  role: z.enum(spaceRoleNames),
  kind: z.enum(['user', 'group']),
  id: z.string(),
  name: z.string(),
});
const keyStatusSchema = z.object({
  currentVersion: z.number().int().optional(),
  versions: z.array(z.object({ version: z.number().int(), createdAt: z.date(), dataKeys: z.number().int() })),
  underMasterKey: z.number().int(),
});
const rotationSchema = z.object({ version: z.number().int(), rewrapped: z.number().int(), retired: z.number().int() });
/** A user (e-mail or id) or a group (name or id): exactly one. */
const holderSchema = z.union([
  z.object({ user: z.string().min(1).max(320) }).strict(),
  z.object({ group: z.string().min(1).max(100) }).strict(),
]);

export const spacesRoutes: FastifyPluginAsyncZod = async (app) => {
  const { spaces } = app.tresor;
  app.addHook('preHandler', requireToken);

  app.get(
    '/spaces',
    {
      schema: {
        tags: ['spaces'],
        summary: 'The spaces you hold a role in (every space, for instance administrators)',
        response: { 200: z.object({ items: z.array(spaceSchema) }), ...errors },
      },
    },
    async (request) => ({ items: await spaces.list(principalOf(request)) }),
  );

  app.get(
    '/me/default-space',
    {
      schema: {
        tags: ['spaces'],
        summary: 'Your own default space: where the bare names you give resolve first (null: the installation’s)',
        response: { 200: z.object({ space: z.string().nullable() }), ...errors },
      },
    },
    async (request) => ({ space: await spaces.defaultSpace(principalOf(request)) }),
  );

  app.put(
    '/me/default-space',
    {
      schema: {
        tags: ['spaces'],
        summary: 'Choose your own default space among those you hold a role in (null: the installation’s)',
        description:
          'The bare names you give (API paths, the CLI, modules acting for you) resolve there first, then in the ' +
          'default space; what you create without naming a space goes there. Stored references are unaffected.',
        body: z.object({ space: z.string().max(100).nullable() }).strict(),
        response: { 200: z.object({ space: z.string().nullable() }), ...errors },
      },
    },
    async (request) => ({ space: await spaces.setDefaultSpace(principalOf(request), request.body.space) }),
  );

  app.post(
    '/spaces',
    {
      schema: {
        tags: ['spaces'],
        summary: 'Create a space (GROUP_ADMIN)',
        body: z.object({ name: z.string().max(200), description: z.string().max(1000).optional() }),
        response: { 201: spaceSchema, ...errors },
      },
    },
    async (request, reply) => {
      reply.status(201);
      return spaces.create(principalOf(request), request.body);
    },
  );

  app.get(
    '/spaces/:space',
    { schema: { tags: ['spaces'], params: spaceParams, response: { 200: spaceSchema, ...errors } } },
    async (request) => spaces.get(principalOf(request), request.params.space),
  );

  app.delete(
    '/spaces/:space',
    {
      schema: {
        tags: ['spaces'],
        summary: 'Delete a space with every secret in it (GROUP_ADMIN; never the default space)',
        description:
          'Its secrets (with versions and shares), roles, webhook endpoints and keys go (what was sealed under ' +
          'its keys cannot be opened again); the trail keeps their rows. ' +
          '409 (field `force`) while configurations in other spaces name one of its secrets, unless `force=true`.',
        params: spaceParams,
        querystring: z.object({ force: z.enum(['true', 'false']).optional() }),
        response: { 200: z.object({ secrets: z.number().int() }), ...errors },
      },
    },
    async (request) =>
      spaces.delete(principalOf(request), request.params.space, { force: request.query.force === 'true' }),
  );

  app.get(
    '/spaces/:space/audit',
    {
      schema: {
        tags: ['spaces'],
        summary: "The space's audit log, newest first (its admins, AUDIT_READ holders)",
        description:
          'The space’s own changes and everything done with its secrets (deleted ones too), refusals included. ' +
          '`next` is the `before` of the next page.',
        params: spaceParams,
        querystring: z.object({
          before: z.coerce.number().int().min(1).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
        response: { 200: z.object({ items: z.array(auditEntrySchema), next: z.number().int().nullable() }), ...errors },
      },
    },
    async (request) => {
      const { entries, older } = await spaces.audit(principalOf(request), request.params.space, request.query);
      return {
        items: entries.map(({ actorPerson: _p, actorGroup: _g, actedFor: _f, secretId: _s, summary: _m, ...e }) => ({
          ...json(e),
          details: e.details as Record<string, unknown>,
        })),
        next: older ? entries.at(-1)!.id : null,
      };
    },
  );

  app.get(
    '/spaces/:space/roles',
    {
      schema: {
        tags: ['spaces'],
        summary: 'Who holds which role in the space',
        params: spaceParams,
        response: { 200: z.object({ items: z.array(roleSchema) }), ...errors },
      },
    },
    async (request) => ({ items: await spaces.roles(principalOf(request), request.params.space) }),
  );

  app.put(
    '/spaces/:space/roles',
    {
      schema: {
        tags: ['spaces'],
        summary: "Give a user or group a role in the space (the space's admins, instance administrators)",
        params: spaceParams,
        body: z.intersection(holderSchema, z.object({ role: z.string().max(20) })),
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const { role, ...holder } = request.body as { role: string } & ({ user: string } | { group: string });
      await spaces.setRole(principalOf(request), request.params.space, holder, role);
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/spaces/:space/roles',
    {
      schema: {
        tags: ['spaces'],
        summary: 'Take a role in the space away from a user or group',
        params: spaceParams,
        body: holderSchema,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await spaces.removeRole(principalOf(request), request.params.space, request.body);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/spaces/:space/key',
    {
      schema: {
        tags: ['spaces'],
        summary: "The space's own key: its versions and how many data keys each wraps (never a key)",
        params: spaceParams,
        response: { 200: keyStatusSchema, ...errors },
      },
    },
    async (request) => spaces.keyStatus(principalOf(request), request.params.space),
  );

  app.post(
    '/spaces/:space/key/rotate',
    {
      schema: {
        tags: ['spaces'],
        summary: "Rotate the space's key (its admins, KEY_ADMIN): a new version, every value re-wrapped",
        description:
          'Resumes an interrupted rotation instead of starting another. Values sealed before spaces had keys ' +
          "move onto the space's key. Old versions no data key uses are destroyed.",
        params: spaceParams,
        // No body at all: a rotation in batches of the default size.
        body: z
          .object({ batchSize: z.number().int().min(1).max(10_000).optional() })
          .strict()
          .nullish(),
        response: { 200: rotationSchema, ...errors },
      },
    },
    async (request) =>
      spaces.rotateKey(principalOf(request), request.params.space, {
        ...(request.body?.batchSize ? { batchSize: request.body.batchSize } : {}),
      }),
  );
};
