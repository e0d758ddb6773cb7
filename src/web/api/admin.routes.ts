/** /api/v1/users, /groups and their memberships and permissions: administration over HTTP. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { permissions } from '../../identity/permissions.ts';
import { principalOf, requireToken } from '../plugins/auth.plugin.ts';
import { errorSchema, groupSchema, json, mailedLink, mailedLinkSchema, userSchema } from './schemas.ts';

const errors = { 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema, 422: errorSchema };
const userParams = z.object({ userId: z.uuid({ error: 'userId must be a user id (UUID)' }) });
const groupParams = z.object({ group: z.string().min(1).max(100) });
const permissionParam = z.object({
  permission: z.enum(permissions, { error: `permission must be one of: ${permissions.join(', ')}` }),
});
const permissionList = z.object({ items: z.array(z.string()) });

export const adminRoutes: FastifyPluginAsyncZod = async (app) => {
  const { users, groups, accounts } = app.tresor;
  app.addHook('preHandler', requireToken);

  app.get(
    '/me',
    { schema: { tags: ['users'], summary: 'The user the token belongs to', response: { 200: userSchema, ...errors } } },
    async (request) => json(await users.get(principalOf(request), principalOf(request).id)),
  );

  app.patch(
    '/me',
    {
      schema: {
        tags: ['users'],
        summary: "Your own settings: the web UI's language (a locale Tresor speaks, or null for the browser's)",
        body: z.object({ locale: z.string().max(40).nullable() }),
        response: { 200: userSchema, ...errors },
      },
    },
    async (request) => json(await users.setLocale(principalOf(request), request.body.locale)),
  );

  app.get(
    '/users',
    {
      schema: {
        tags: ['users'],
        summary: 'All users (USER_ADMIN)',
        response: { 200: z.object({ items: z.array(userSchema) }), ...errors },
      },
    },
    async (request) => ({ items: (await users.list(principalOf(request))).map(json) }),
  );

  app.post(
    '/users',
    {
      schema: {
        tags: ['users'],
        summary:
          'Invite a user (USER_ADMIN): created without a password, mailed a one-time link to choose one (72 hours); ' +
          '`invitation.mailed` says whether the mail went out. A password is refused: nobody chooses another’s',
        body: z.object({
          email: z.string().max(320),
          displayName: z.string().max(200).optional(),
          password: z.string().max(1000).optional(),
        }),
        response: { 201: userSchema.extend({ invitation: mailedLinkSchema }), ...errors },
      },
    },
    async (request, reply) => {
      const { user, invitation } = await accounts.invite(principalOf(request), request.body);
      reply.status(201);
      return { ...json(user), invitation: mailedLink(invitation) };
    },
  );

  app.post(
    '/users/:userId/invitation',
    {
      schema: {
        tags: ['users'],
        summary: 'Mail a new invitation to a user who has not chosen a password yet (USER_ADMIN; voids the old link)',
        params: userParams,
        response: { 200: mailedLinkSchema, ...errors },
      },
    },
    async (request) => mailedLink(await accounts.reinvite(principalOf(request), request.params.userId)),
  );

  app.post(
    '/users/:userId/password-reset',
    {
      schema: {
        tags: ['users'],
        summary:
          'Mail the user a link to choose a new password (USER_ADMIN, on a user holding nothing you lack; an hour). ' +
          'The password stays until the link is used; using it ends their sessions and tokens',
        params: userParams,
        response: { 200: mailedLinkSchema, ...errors },
      },
    },
    async (request) => mailedLink(await accounts.sendReset(principalOf(request), request.params.userId)),
  );

  app.get(
    '/users/:userId',
    { schema: { tags: ['users'], params: userParams, response: { 200: userSchema, ...errors } } },
    async (request) => json(await users.get(principalOf(request), request.params.userId)),
  );

  app.patch(
    '/users/:userId',
    {
      schema: {
        tags: ['users'],
        summary:
          'Disable/enable (USER_ADMIN) or set your own password; ends sessions and tokens. ' +
          'Another user’s password is refused: POST /users/{userId}/password-reset mails them a link',
        params: userParams,
        body: z.object({ disabled: z.boolean().optional(), password: z.string().max(1000).optional() }),
        response: { 200: userSchema, ...errors },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      if (request.body.password !== undefined)
        await users.setPassword(principal, request.params.userId, request.body.password);
      if (request.body.disabled !== undefined)
        await users.setDisabled(principal, request.params.userId, request.body.disabled);
      return json(await users.get(principal, request.params.userId));
    },
  );

  app.delete(
    '/users/:userId/second-factor',
    {
      schema: {
        tags: ['users'],
        summary:
          'Remove the second factor of a user who lost it (USER_ADMIN, on a user holding nothing you lack; audited)',
        params: userParams,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await app.tresor.factors.removeFor(principalOf(request), request.params.userId);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/users/:userId/permissions',
    { schema: { tags: ['permissions'], params: userParams, response: { 200: permissionList, ...errors } } },
    async (request) => ({ items: await groups.grants(principalOf(request), { userId: request.params.userId }) }),
  );
  app.put(
    '/users/:userId/permissions/:permission',
    {
      schema: {
        tags: ['permissions'],
        summary: 'Grant (USER_ADMIN)',
        params: userParams.extend(permissionParam.shape),
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await groups.grant(principalOf(request), { userId: request.params.userId }, request.params.permission);
      return reply.status(204).send(null);
    },
  );
  app.delete(
    '/users/:userId/permissions/:permission',
    {
      schema: {
        tags: ['permissions'],
        summary: 'Revoke (USER_ADMIN)',
        params: userParams.extend(permissionParam.shape),
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await groups.revoke(principalOf(request), { userId: request.params.userId }, request.params.permission);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/groups',
    { schema: { tags: ['groups'], response: { 200: z.object({ items: z.array(groupSchema) }), ...errors } } },
    async (request) => ({ items: await groups.list(principalOf(request)) }),
  );
  app.post(
    '/groups',
    {
      schema: {
        tags: ['groups'],
        summary: 'Create a group (GROUP_ADMIN)',
        body: z.object({
          name: z.string().max(100),
          description: z.string().max(2000).optional(),
          managedBy: z.string().max(20).optional(),
        }),
        response: { 201: groupSchema, ...errors },
      },
    },
    async (request, reply) => {
      reply.status(201);
      return groups.create(principalOf(request), request.body);
    },
  );
  app.delete(
    '/groups/:group',
    {
      schema: {
        tags: ['groups'],
        summary: 'Delete a group (GROUP_ADMIN; not system)',
        params: groupParams,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await groups.delete(principalOf(request), request.params.group);
      return reply.status(204).send(null);
    },
  );
  app.get(
    '/groups/:group/members',
    {
      schema: {
        tags: ['groups'],
        params: groupParams,
        response: { 200: z.object({ items: z.array(userSchema) }), ...errors },
      },
    },
    async (request) => ({ items: (await groups.members(principalOf(request), request.params.group)).map(json) }),
  );
  app.put(
    '/groups/:group/members/:userId',
    {
      schema: {
        tags: ['groups'],
        summary: 'Add a member (GROUP_ADMIN)',
        params: groupParams.extend(userParams.shape),
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await groups.addMember(principalOf(request), request.params.group, request.params.userId);
      return reply.status(204).send(null);
    },
  );
  app.delete(
    '/groups/:group/members/:userId',
    {
      schema: {
        tags: ['groups'],
        summary: 'Remove a member (GROUP_ADMIN)',
        params: groupParams.extend(userParams.shape),
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await groups.removeMember(principalOf(request), request.params.group, request.params.userId);
      return reply.status(204).send(null);
    },
  );
  app.get(
    '/groups/:group/permissions',
    { schema: { tags: ['permissions'], params: groupParams, response: { 200: permissionList, ...errors } } },
    async (request) => ({ items: await groups.grants(principalOf(request), { groupId: request.params.group }) }),
  );
  app.put(
    '/groups/:group/permissions/:permission',
    {
      schema: {
        tags: ['permissions'],
        summary: 'Grant to a group (GROUP_ADMIN)',
        params: groupParams.extend(permissionParam.shape),
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await groups.grant(principalOf(request), { groupId: request.params.group }, request.params.permission);
      return reply.status(204).send(null);
    },
  );
  app.delete(
    '/groups/:group/permissions/:permission',
    {
      schema: {
        tags: ['permissions'],
        summary: 'Revoke from a group (GROUP_ADMIN)',
        params: groupParams.extend(permissionParam.shape),
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await groups.revoke(principalOf(request), { groupId: request.params.group }, request.params.permission);
      return reply.status(204).send(null);
    },
  );
};
