/** /api/v1/secrets: the secret service over HTTP. ETag is the version; If-Match is honoured. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ValidationError } from '../../errors.ts';
import type { SecretMetadata } from '../../secrets/secret-metadata.ts';
import { usageOf } from '../../secrets/secret-usage.ts';
import { principalOf, requireToken } from '../plugins/auth.plugin.ts';
import {
  comparisonSchema,
  detailJson,
  errorSchema,
  idParams,
  metadataJson,
  type SpaceNameMap,
  secretDetailSchema,
  secretMetadataSchema,
  secretsPageSchema,
  versionJson,
  versionSchema,
} from './schemas.ts';

const errors = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  409: errorSchema,
  422: errorSchema,
};

/** The version named by If-Match (`"3"`, `W/"3"` or `3`), if any. */
function ifMatch(request: FastifyRequest): number | undefined {
  const header = request.headers['if-match'];
  if (header === undefined || header === '*') return undefined;
  const match = /^(?:W\/)?"?(\d{1,9})"?$/.exec(String(header).trim());
  if (!match) throw ValidationError.field('If-Match', 'If-Match must be the ETag you read, like "3"');
  return Number(match[1]);
}

/**
 * The answer for a page of the store. The service hands out the same frozen page until a
 * change drops it from the cache; so is the answer, and the serializer writes it once.
 */
const pages = new WeakMap<
  readonly SecretMetadata[],
  Readonly<{ items: ReturnType<typeof metadataJson>[]; next: string | null }>
>();
function pageOf(items: readonly SecretMetadata[], limit: number, spaceNames: SpaceNameMap) {
  let page = pages.get(items);
  if (!page) {
    page = Object.freeze({
      items: items.map((m) => metadataJson(m, spaceNames)),
      next: items.length === limit ? items.at(-1)!.name : null,
    });
    if (Object.isFrozen(items)) pages.set(items, page);
  }
  return page;
}

const etag = (reply: FastifyReply, version: number) => reply.header('ETag', `"${version}"`);

const listQuery = z.object({
  type: z.string().max(48).optional(),
  q: z.string().max(200).optional(),
  expiringWithinDays: z.coerce.number().int().min(0).max(36_500).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  after: z.string().max(64).optional(),
  space: z.string().max(100).optional().describe('Only the secrets of this space'),
  all: z.enum(['true', 'false']).optional(),
});

export const generateList = z
  .array(z.string().max(64))
  .max(20)
  .optional()
  .describe('Secret fields whose value Tresor generates with the field’s generator; the value is never returned');

const createBody = z.object({
  type: z.string().max(48),
  name: z.string().max(200),
  description: z.string().max(2000).optional(),
  fields: z.record(z.string(), z.unknown()),
  expiresAt: z.iso.datetime({ offset: true }).nullable().optional(),
  generate: generateList,
  /** The space's name (default: the default space); refer to the secret as `space/name` then. */
  space: z.string().max(100).optional(),
  visibility: z.string().max(20).optional(),
});

const updateBody = z.object({
  fields: z
    .record(z.string(), z.unknown())
    .optional()
    .describe(
      'Non-secret fields left out keep their value; secret fields left out or empty keep theirs; null removes ' +
        'an optional field',
    ),
  description: z.string().max(2000).optional(),
  expiresAt: z.iso.datetime({ offset: true }).nullable().optional(),
  reason: z.string().max(2000).optional(),
  generate: generateList,
});

export const secretsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { secrets, stories, spaces } = app.tresor;
  const placesOf = (items: readonly { spaceId: string }[]) => spaces.names.of(items.map((m) => m.spaceId));
  app.addHook('preHandler', requireToken);

  app.get(
    '/secrets',
    {
      schema: {
        tags: ['secrets'],
        summary: 'Your store (or, with all=true, every secret)',
        querystring: listQuery,
        response: { 200: secretsPageSchema, ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      const items = await secrets.list(principalOf(request), {
        limit: q.limit,
        ...(q.type ? { typeId: q.type } : {}),
        ...(q.q ? { text: q.q } : {}),
        ...(q.after ? { after: q.after } : {}),
        ...(q.expiringWithinDays !== undefined
          ? { expiringBefore: new Date(Date.now() + q.expiringWithinDays * 86_400_000) }
          : {}),
        ...(q.all === 'true' ? { all: true } : {}),
        ...(q.space ? { space: q.space } : {}),
      });
      return pageOf(items, q.limit, await placesOf(items));
    },
  );

  app.post(
    '/secrets',
    {
      schema: {
        tags: ['secrets'],
        summary: 'Create a secret',
        body: createBody,
        response: { 201: secretDetailSchema, ...errors },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const detail = await secrets.create(principalOf(request), {
        type: b.type,
        name: b.name,
        fields: b.fields,
        ...(b.description === undefined ? {} : { description: b.description }),
        ...(b.expiresAt === undefined ? {} : { expiresAt: b.expiresAt === null ? null : new Date(b.expiresAt) }),
        ...(b.generate ? { generate: b.generate } : {}),
        ...(b.space === undefined ? {} : { space: b.space }),
        ...(b.visibility === undefined ? {} : { visibility: b.visibility }),
      });
      etag(reply, detail.version).header('Location', `/api/v1/secrets/${detail.id}`).status(201);
      return detailJson(detail, await placesOf([detail]));
    },
  );

  app.get(
    '/secrets/:id',
    {
      schema: {
        tags: ['secrets'],
        summary: 'Metadata, non-secret fields and facts',
        params: idParams,
        response: { 200: secretDetailSchema, ...errors },
      },
    },
    async (request, reply) => {
      const detail = await secrets.describe(principalOf(request), request.params.id);
      etag(reply, detail.version);
      return detailJson(detail, await placesOf([detail]));
    },
  );

  app.patch(
    '/secrets/:id',
    {
      schema: {
        tags: ['secrets'],
        summary: 'Update; a new version when anything changed',
        params: idParams,
        body: updateBody,
        response: { 200: z.object({ secret: secretMetadataSchema, changed: z.boolean() }), ...errors },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const expected = ifMatch(request);
      const result = await secrets.update(principalOf(request), request.params.id, {
        merge: true,
        ...(b.fields === undefined ? {} : { fields: b.fields }),
        ...(b.description === undefined ? {} : { description: b.description }),
        ...(b.expiresAt === undefined ? {} : { expiresAt: b.expiresAt === null ? null : new Date(b.expiresAt) }),
        ...(b.generate ? { generate: b.generate } : {}),
        ...(b.reason === undefined ? {} : { reason: b.reason }),
        ...(expected === undefined ? {} : { expectedVersion: expected }),
      });
      etag(reply, result.secret.version);
      return { secret: metadataJson(result.secret, await placesOf([result.secret])), changed: result.changed };
    },
  );

  app.delete(
    '/secrets/:id',
    {
      schema: {
        tags: ['secrets'],
        summary: 'Delete permanently (values, versions, shares); force=true although configurations name it',
        params: idParams,
        querystring: z.object({ force: z.enum(['true', 'false']).optional() }),
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const expected = ifMatch(request);
      await secrets.delete(principalOf(request), request.params.id, {
        ...(expected === undefined ? {} : { expectedVersion: expected }),
        ...(request.query.force === 'true' ? { force: true } : {}),
      });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/secrets/:id/usage',
    {
      schema: {
        tags: ['secrets'],
        summary: 'Where it is used: modules that used it (last use, count) and configurations that name it',
        params: idParams,
        response: {
          200: z.object({
            modules: z.array(
              z.object({
                module: z.string().nullable(),
                usedFor: z.string(),
                lastAt: z.iso.datetime(),
                uses: z.number(),
              }),
            ),
            references: z.array(z.object({ secretId: z.uuid(), secretName: z.string(), field: z.string() })),
            hiddenReferences: z.number().int(),
          }),
          ...errors,
        },
      },
    },
    async (request) => usageOf(await stories.usage(principalOf(request), request.params.id)),
  );

  app.get(
    '/secrets/:id/versions',
    {
      schema: {
        tags: ['secrets'],
        summary: "Version history: the secret's own value's, or with `environment` that environment's",
        params: idParams,
        querystring: z.object({ environment: z.string().max(64).optional() }),
        response: { 200: z.object({ items: z.array(versionSchema) }), ...errors },
      },
    },
    async (request) => {
      const { environment } = request.query;
      const principal = principalOf(request);
      const versions = environment
        ? await secrets.environmentVersions(principal, request.params.id, environment)
        : await secrets.versions(principal, request.params.id);
      return { items: versions.map(versionJson) };
    },
  );

  app.get(
    '/secrets/:id/versions/compare',
    {
      schema: {
        tags: ['secrets'],
        summary: 'What changed between two versions: non-secret fields old → new, secret fields changed or not',
        params: idParams,
        querystring: z.object({ from: z.coerce.number().int().min(1), to: z.coerce.number().int().min(1) }),
        response: { 200: comparisonSchema, ...errors },
      },
    },
    async (request) => {
      const compared = await secrets.compare(
        principalOf(request),
        request.params.id,
        request.query.from,
        request.query.to,
      );
      return {
        from: versionJson(compared.from),
        to: versionJson(compared.to),
        fields: compared.fields,
      };
    },
  );

  app.post(
    '/secrets/:id/rollback',
    {
      schema: {
        tags: ['secrets'],
        summary: 'Write a new version from an old one',
        params: idParams,
        body: z.object({ version: z.number().int().min(1), reason: z.string().max(2000).optional() }),
        response: { 200: secretMetadataSchema, ...errors },
      },
    },
    async (request, reply) => {
      const expected = ifMatch(request);
      const rolled = await secrets.rollback(principalOf(request), request.params.id, request.body.version, {
        ...(request.body.reason === undefined ? {} : { reason: request.body.reason }),
        ...(expected === undefined ? {} : { expectedVersion: expected }),
      });
      etag(reply, rolled.version);
      return metadataJson(rolled, await placesOf([rolled]));
    },
  );
};
