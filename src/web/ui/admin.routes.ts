/** Administration pages: users, groups, memberships and permissions (the services check the permissions). */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ValidationError } from '../../errors.ts';
import type { MailedLink } from '../../identity/account-link.service.ts';
import { isPermission, permissionLabel, permissionWords } from '../../identity/permissions.ts';
import { principalOf, requireSession, stepUpFirst } from '../plugins/auth.plugin.ts';
import { type FlashKey, redirectWith } from './flash.ts';
import { form, groupParams, idParams, text, uiSchema } from './form-schemas.ts';
import { askToConfirm, confirmed, formAction, renderPage, statusOf } from './render.ts';

/** A path parameter of a route whose schema declared it (the schemas below). */
const param = (request: FastifyRequest, name: string): string => {
  const value = z.record(z.string(), z.string()).parse(request.params)[name];
  if (value === undefined) throw new Error(`route has no parameter ${name}`);
  return value;
};
const permissionForm = form({ permission: text(100) });
const userPermissionParams = idParams.extend({ permission: z.string().min(1).max(100) });
const groupPermissionParams = groupParams.extend({ permission: z.string().min(1).max(100) });
const memberParams = groupParams.extend({ userId: z.string().min(1).max(100) });
/** What a permission lets a person do, as the rest of a sentence ("… can no longer rotate the master key"). */
const does = (permission: string) =>
  isPermission(permission) ? lowerFirst(permissionWords[permission].does) : `do what ${permission} allowed`;
const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

export const uiAdminRoutes: FastifyPluginAsyncZod = async (app) => {
  const { users, groups, accounts } = app.tresor;
  app.addHook('preHandler', requireSession);

  async function usersPage(request: FastifyRequest, reply: FastifyReply, error?: string) {
    const principal = principalOf(request);
    const list = await users.list(principal);
    const ids = list.map((u) => u.id);
    const [invited, withFactor] = await Promise.all([
      accounts.pendingInvitations(ids),
      app.tresor.factors.enrolledAmong(ids),
    ]);
    const rows = await Promise.all(
      list.map(async (u) => ({
        ...u,
        grants: await groups.grants(principal, { userId: u.id }),
        invitedUntil: u.signsInElsewhere ? invited.get(u.id)?.toISOString() : undefined,
        secondFactor: withFactor.has(u.id),
      })),
    );
    const grantable = await app.tresor.gate.grantable(principal);
    return renderPage(request, reply, 'admin-users', { title: 'Users', users: rows, permissions: grantable, error });
  }

  async function groupsPage(request: FastifyRequest, reply: FastifyReply, error?: string) {
    return renderPage(request, reply, 'admin-groups', {
      title: 'Groups',
      groups: await groups.list(principalOf(request), { for: 'admin' }),
      error,
    });
  }

  async function groupPage(request: FastifyRequest, reply: FastifyReply, error?: string) {
    const principal = principalOf(request);
    const group = await groups.find(param(request, 'group'));
    return renderPage(request, reply, 'admin-group', {
      title: `Group ${group.name}`,
      group,
      members: await groups.members(principal, group.name),
      grants: await groups.grants(principal, { groupId: group.name }),
      permissions: await app.tresor.gate.grantable(principal),
      error,
    });
  }

  /** Runs an admin action and goes back to `back` saying what was done, or shows the error on the page. */
  const act = (
    request: FastifyRequest,
    reply: FastifyReply,
    back: string,
    done: FlashKey | ((result: never) => FlashKey),
    action: () => Promise<unknown>,
    page: (r: FastifyRequest, p: FastifyReply, e?: string) => Promise<FastifyReply>,
  ) =>
    formAction(
      async () => {
        const result = await action();
        return redirectWith(reply, back, typeof done === 'function' ? done(result as never) : done);
      },
      (message, error) => page(request, reply.status(statusOf(error)), message),
    );

  app.get('/admin/users', { preHandler: stepUpFirst }, (request, reply) => usersPage(request, reply));
  app.post(
    '/admin/users',
    {
      preHandler: app.csrfProtection,
      schema: uiSchema({ body: form({ email: text(1000), displayName: text(200) }) }),
    },
    (request, reply) => {
      const b = request.body;
      return act(
        request,
        reply,
        '/admin/users',
        (r: { invitation: MailedLink }) => (r.invitation.mailed ? 'user-invited' : 'invite-not-mailed'),
        () =>
          accounts.invite(principalOf(request), {
            email: b.email,
            ...(b.displayName ? { displayName: b.displayName } : {}),
          }),
        usersPage,
      );
    },
  );
  app.post(
    '/admin/users/:id/invite',
    { preHandler: app.csrfProtection, schema: uiSchema({ params: idParams }) },
    (request, reply) =>
      act(
        request,
        reply,
        '/admin/users',
        (r: MailedLink) => (r.mailed ? 'user-invited' : 'invite-not-mailed'),
        () => accounts.reinvite(principalOf(request), param(request, 'id')),
        usersPage,
      ),
  );
  app.post(
    '/admin/users/:id/remove-second-factor',
    { preHandler: app.csrfProtection, schema: uiSchema({ params: idParams }) },
    (request, reply) =>
      act(
        request,
        reply,
        '/admin/users',
        'user-factor-removed',
        () => app.tresor.factors.removeFor(principalOf(request), param(request, 'id')),
        usersPage,
      ),
  );
  app.post(
    '/admin/users/:id/reset-password',
    { preHandler: app.csrfProtection, schema: uiSchema({ params: idParams }) },
    (request, reply) =>
      act(
        request,
        reply,
        '/admin/users',
        (r: MailedLink) => (r.mailed ? 'reset-sent' : 'reset-not-mailed'),
        () => accounts.sendReset(principalOf(request), param(request, 'id')),
        usersPage,
      ),
  );
  for (const [action, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    app.post(
      `/admin/users/:id/${action}`,
      { preHandler: app.csrfProtection, schema: uiSchema({ params: idParams, body: form({ confirm: text(10) }) }) },
      async (request, reply) => {
        // Disabling ends the person's sessions and tokens at once: asked first (enabling is not).
        if (disabled && !confirmed(request.body)) {
          const user = await users.get(principalOf(request), param(request, 'id'));
          return askToConfirm(request, reply, {
            title: `Disable ${user.email}?`,
            question:
              `${user.email} is signed out everywhere at once, every API token of theirs stops working, and ` +
              'their modules are refused the secrets they used. Enable them again later to let them back in.',
            action: `/admin/users/${encodeURIComponent(user.id)}/disable`,
            button: 'Disable',
            back: '/admin/users',
            danger: true,
          });
        }
        return act(
          request,
          reply,
          '/admin/users',
          disabled ? 'user-disabled' : 'user-enabled',
          () => users.setDisabled(principalOf(request), param(request, 'id'), disabled),
          usersPage,
        );
      },
    );
  }
  app.post(
    '/admin/users/:id/permissions',
    { preHandler: app.csrfProtection, schema: uiSchema({ params: idParams, body: permissionForm }) },
    (request, reply) =>
      act(
        request,
        reply,
        '/admin/users',
        'permission-granted',
        () => groups.grant(principalOf(request), { userId: request.params.id }, request.body.permission),
        usersPage,
      ),
  );
  app.post(
    '/admin/users/:id/permissions/:permission/revoke',
    {
      preHandler: app.csrfProtection,
      schema: uiSchema({ params: userPermissionParams, body: form({ confirm: text(10) }) }),
    },
    async (request, reply) => {
      const permission = param(request, 'permission');
      if (!confirmed(request.body)) {
        const user = await users.get(principalOf(request), param(request, 'id'));
        return askToConfirm(request, reply, {
          title: `Take “${permissionLabel(permission)}” from ${user.email}?`,
          question: `${user.email} can no longer ${does(permission)}, from their next request on.`,
          action: `/admin/users/${encodeURIComponent(user.id)}/permissions/${encodeURIComponent(permission)}/revoke`,
          button: 'Take the permission',
          back: '/admin/users',
          danger: true,
        });
      }
      return act(
        request,
        reply,
        '/admin/users',
        'permission-revoked',
        () => groups.revoke(principalOf(request), { userId: param(request, 'id') }, permission),
        usersPage,
      );
    },
  );

  app.get('/admin/groups', (request, reply) => groupsPage(request, reply));
  app.post(
    '/admin/groups',
    { preHandler: app.csrfProtection, schema: uiSchema({ body: form({ name: text(200), description: text(2000) }) }) },
    (request, reply) => {
      const b = request.body;
      return act(
        request,
        reply,
        '/admin/groups',
        'group-created',
        () => groups.create(principalOf(request), { name: b.name, description: b.description }),
        groupsPage,
      );
    },
  );
  app.post(
    '/admin/groups/:group/delete',
    { preHandler: app.csrfProtection, schema: uiSchema({ params: groupParams, body: form({ confirm: text(10) }) }) },
    async (request, reply) => {
      if (!confirmed(request.body)) {
        const group = await groups.deletion(principalOf(request), param(request, 'group'));
        return askToConfirm(request, reply, {
          title: `Delete group ${group.name}?`,
          question:
            `Its members lose what the group gave them: its permissions, and the use of every secret shared ` +
            `with ${group.name}. This cannot be undone.`,
          action: `/admin/groups/${encodeURIComponent(group.name)}/delete`,
          button: 'Delete group',
          back: '/admin/groups',
          danger: true,
        });
      }
      return act(
        request,
        reply,
        '/admin/groups',
        'group-deleted',
        () => groups.delete(principalOf(request), param(request, 'group')),
        groupsPage,
      );
    },
  );
  app.get(
    '/admin/groups/:group',
    { preHandler: stepUpFirst, schema: uiSchema({ params: groupParams }) },
    (request, reply) => groupPage(request, reply),
  );
  app.post(
    '/admin/groups/:group/members',
    { preHandler: app.csrfProtection, schema: uiSchema({ params: groupParams, body: form({ email: text(1000) }) }) },
    (request, reply) =>
      act(
        request,
        reply,
        `/admin/groups/${encodeURIComponent(request.params.group)}`,
        'member-added',
        async () => {
          const user = await users.findByEmail(request.body.email);
          if (!user) throw ValidationError.field('email', `No user ${request.body.email}`);
          await groups.addMember(principalOf(request), param(request, 'group'), user.id);
        },
        groupPage,
      ),
  );
  app.post(
    '/admin/groups/:group/members/:userId/remove',
    { preHandler: app.csrfProtection, schema: uiSchema({ params: memberParams }) },
    (request, reply) =>
      act(
        request,
        reply,
        `/admin/groups/${encodeURIComponent(param(request, 'group'))}`,
        'member-removed',
        () => groups.removeMember(principalOf(request), param(request, 'group'), param(request, 'userId')),
        groupPage,
      ),
  );
  app.post(
    '/admin/groups/:group/permissions',
    { preHandler: app.csrfProtection, schema: uiSchema({ params: groupParams, body: permissionForm }) },
    (request, reply) =>
      act(
        request,
        reply,
        `/admin/groups/${encodeURIComponent(request.params.group)}`,
        'permission-granted',
        () => groups.grant(principalOf(request), { groupId: request.params.group }, request.body.permission),
        groupPage,
      ),
  );
  app.post(
    '/admin/groups/:group/permissions/:permission/revoke',
    {
      preHandler: app.csrfProtection,
      schema: uiSchema({ params: groupPermissionParams, body: form({ confirm: text(10) }) }),
    },
    async (request, reply) => {
      const group = param(request, 'group');
      const permission = param(request, 'permission');
      const back = `/admin/groups/${encodeURIComponent(group)}`;
      if (!confirmed(request.body))
        return askToConfirm(request, reply, {
          title: `Take “${permissionLabel(permission)}” from group ${group}?`,
          question: `Members of ${group} can no longer ${does(permission)} through it, from their next request on.`,
          action: `${back}/permissions/${encodeURIComponent(permission)}/revoke`,
          button: 'Take the permission',
          back,
          danger: true,
        });
      return act(
        request,
        reply,
        back,
        'permission-revoked',
        () => groups.revoke(principalOf(request), { groupId: group }, permission),
        groupPage,
      );
    },
  );
};
