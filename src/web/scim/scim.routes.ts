/**
 * /scim/v2: SCIM 2.0 (RFC 7644) for the identity provider, served when TRESOR_SCIM_TOKEN is
 * set — Users and Groups (list with `filter` eq, get, create, replace, PATCH, delete), and the
 * discovery documents. The provider sends the token as a bearer; bodies are
 * application/scim+json (or JSON); errors are SCIM error documents. What each call may do is
 * the SCIM service's rule (identity/scim/scim.service.ts).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TresorError, ValidationError } from '../../errors.ts';
import type { ScimOperation, ScimUserInput } from '../../identity/scim/scim.service.ts';
import { basePath } from '../paths.ts';
import { errorBodyOf } from '../plugins/errors.plugin.ts';
import { groupResource, listResponse, scimSchemas, serviceProviderConfig, userResource } from './scim-resources.ts';

const contentType = 'application/scim+json';
const sha256 = (value: string) => createHash('sha256').update(value).digest();

/** `attr eq "value"`, the one filter providers send to find a resource before creating it. */
function equalityFilter(filter: unknown, allowed: readonly string[]): Record<string, string> {
  if (filter === undefined || filter === '') return {};
  const match = typeof filter === 'string' ? /^\s*(\w+)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/i.exec(filter) : null;
  const attribute = allowed.find((a) => a.toLowerCase() === match?.[1]?.toLowerCase());
  if (!match || !attribute)
    throw ValidationError.field(
      'filter',
      `Only filters like ${allowed[0]} eq "…" are supported (${allowed.join(', ')})`,
    );
  return { [attribute]: match[2]!.replace(/\\(.)/g, '$1') };
}

function page<T>(items: readonly T[], query: { startIndex?: unknown; count?: unknown }) {
  const start = Math.max(1, Number(query.startIndex) || 1);
  const count = Math.min(Math.max(0, query.count === undefined ? 100 : Number(query.count) || 0), 500);
  return { items: items.slice(start - 1, start - 1 + count), start, total: items.length };
}

const operationsOf = (body: unknown): ScimOperation[] => {
  const operations = (body as { Operations?: unknown } | null)?.Operations;
  if (!Array.isArray(operations) || operations.some((o) => typeof (o as ScimOperation)?.op !== 'string'))
    throw ValidationError.field('Operations', 'A PATCH body is { "Operations": [{ "op": …, "path": …, "value": … }] }');
  return operations as ScimOperation[];
};

export async function scimRoutes(app: FastifyInstance): Promise<void> {
  const { scim, config } = app.tresor;
  const expected = sha256(config.scimToken ?? '');
  app.removeAllContentTypeParsers();
  const json = app.getDefaultJsonParser('error', 'error');
  // A DELETE may come with the content type and no body (providers send one header set for all).
  app.addContentTypeParser([contentType, 'application/json'], { parseAs: 'string' }, (request, body, done) =>
    body === '' ? done(null, undefined) : json(request, body.toString(), done),
  );
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization ?? '';
    const offered = sha256(header.startsWith('Bearer ') ? header.slice(7).trim() : '');
    if (!config.scimToken || !timingSafeEqual(offered, expected))
      throw new TresorError('UNAUTHENTICATED', 'Send the SCIM token: Authorization: Bearer …');
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('content-type', `${contentType}; charset=utf-8`);
    return payload;
  });
  app.setErrorHandler((error, request, reply) => {
    const { status, body } = errorBodyOf(error);
    if (status >= 500) request.log.error({ err: error }, 'SCIM request failed');
    const scimType = status === 409 ? 'uniqueness' : status === 400 || status === 422 ? 'invalidValue' : undefined;
    return reply.status(status === 422 ? 400 : status).send({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: String(status === 422 ? 400 : status),
      ...(scimType ? { scimType } : {}),
      detail: body.error.message,
    });
  });
  app.setNotFoundHandler((request) => {
    throw new TresorError('NOT_FOUND', `No SCIM endpoint ${request.method} ${request.url.split('?')[0]}`);
  });

  const base = (request: FastifyRequest) => `${config.publicUrl?.replace(/\/$/, '') ?? ''}${basePath(request)}/scim/v2`;
  const created = (reply: FastifyReply) => reply.status(201);
  type Query = { filter?: string; startIndex?: string; count?: string };
  type Id = { id: string };

  app.get('/ServiceProviderConfig', async () => serviceProviderConfig);
  app.get('/Schemas', async () => listResponse(scimSchemas, 1, scimSchemas.length));
  app.get('/ResourceTypes', async (request) =>
    listResponse(
      [
        {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
          id: 'User',
          name: 'User',
          endpoint: '/Users',
          schema: 'urn:ietf:params:scim:schemas:core:2.0:User',
          meta: { location: `${base(request)}/ResourceTypes/User`, resourceType: 'ResourceType' },
        },
        {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
          id: 'Group',
          name: 'Group',
          endpoint: '/Groups',
          schema: 'urn:ietf:params:scim:schemas:core:2.0:Group',
          meta: { location: `${base(request)}/ResourceTypes/Group`, resourceType: 'ResourceType' },
        },
      ],
      1,
      2,
    ),
  );

  app.get<{ Querystring: Query }>('/Users', async (request) => {
    const found = await scim.listUsers(equalityFilter(request.query.filter, ['userName', 'externalId']));
    const { items, start, total } = page(found, request.query);
    return listResponse(await Promise.all(items.map((u) => userResource(base(request), u, scim))), start, total);
  });
  app.get<{ Params: Id }>('/Users/:id', async (request) =>
    userResource(base(request), await scim.getUser(request.params.id), scim),
  );
  app.post<{ Body: ScimUserInput }>('/Users', async (request, reply) => {
    created(reply);
    return userResource(base(request), await scim.createUser(request.body ?? {}), scim);
  });
  app.put<{ Params: Id; Body: ScimUserInput }>('/Users/:id', async (request) =>
    userResource(base(request), await scim.replaceUser(request.params.id, request.body ?? {}), scim),
  );
  app.patch<{ Params: Id }>('/Users/:id', async (request) =>
    userResource(base(request), await scim.patchUser(request.params.id, operationsOf(request.body)), scim),
  );
  app.delete<{ Params: Id }>('/Users/:id', async (request, reply) => {
    await scim.deactivateUser(request.params.id);
    return reply.status(204).send();
  });

  app.get<{ Querystring: Query }>('/Groups', async (request) => {
    const found = await scim.listGroups(equalityFilter(request.query.filter, ['displayName']));
    const { items, start, total } = page(found, request.query);
    return listResponse(await Promise.all(items.map((g) => groupResource(base(request), g, scim))), start, total);
  });
  app.get<{ Params: Id }>('/Groups/:id', async (request) =>
    groupResource(base(request), await scim.getGroup(request.params.id), scim),
  );
  app.post<{ Body: { displayName?: unknown; members?: unknown } }>('/Groups', async (request, reply) => {
    created(reply);
    return groupResource(base(request), await scim.createGroup(request.body ?? {}), scim);
  });
  app.put<{ Params: Id; Body: { displayName?: unknown; members?: unknown } }>('/Groups/:id', async (request) =>
    groupResource(base(request), await scim.replaceGroup(request.params.id, request.body ?? {}), scim),
  );
  app.patch<{ Params: Id }>('/Groups/:id', async (request) =>
    groupResource(base(request), await scim.patchGroup(request.params.id, operationsOf(request.body)), scim),
  );
  app.delete<{ Params: Id }>('/Groups/:id', async (request, reply) => {
    await scim.deleteGroup(request.params.id);
    return reply.status(204).send();
  });
}
