/** Administration pages: users, groups, memberships and permissions (the services check the permissions). */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditActions } from '../../audit/audit-events.ts';
import { ValidationError } from '../../errors.ts';
import type { MailedLink } from '../../identity/account-link.service.ts';
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
const auditQuery = z.object({
  action: text(100),
  secret: text(200),
  actor: text(100),
  from: text(20),
  to: text(20),
  before: text(20),
  after: text(20),
});
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const dayPattern = /^\d{4}-\d{2}-\d{2}$/;
const cursor = (value: string) => (/^\d{1,15}$/.test(value) && Number(value) > 0 ? Number(value) : undefined);
/** A day of a date input as the start of that day (UTC), or undefined when empty or not a date. */
function dayOf(value: string): Date | undefined {
  if (!dayPattern.test(value)) return undefined;
  const day = new Date(`${value}T00:00:00.000Z`);
  return Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== value ? undefined : day;
}
const auditPageSize = 50;
const permissionForm = form({ permission: text(100) });
const userPermissionParams = idParams.extend({ permission: z.string().min(1).max(100) });
const groupPermissionParams = groupParams.extend({ permission: z.string().min(1).max(100) });
const memberParams = groupParams.extend({ userId: z.string().min(1).max(100) });
export const uiAdminRoutes: FastifyPluginAsyncZod = async (app) => {
  const { users, groups, audit, accounts } = app.tresor;
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

  app.get('/admin/audit', { schema: uiSchema({ querystring: auditQuery }) }, async (request, reply) => {
    const q = request.query;
    const principal = principalOf(request);
    const problems: string[] = [];
    const from = dayOf(q.from);
    const to = dayOf(q.to);
    if (q.from && !from) problems.push(`From: "${q.from}" is not a date like 2026-12-01`);
    if (q.to && !to) problems.push(`To: "${q.to}" is not a date like 2026-12-31`);
    if (from && to && to < from) problems.push('To: the range ends before it starts');
    const filter = {
      action: (auditActions as readonly string[]).includes(q.action) ? q.action : '',
      secret: q.secret.trim(),
      actor: uuidPattern.test(q.actor) ? q.actor : '',
      from: from ? q.from : '',
      to: to ? q.to : '',
    };
    const range =
      problems.length > 0
        ? {}
        : { ...(from ? { from } : {}), ...(to ? { to: new Date(to.getTime() + 86_399_999) } : {}) };
    const before = cursor(q.before);
    const after = before === undefined ? cursor(q.after) : undefined;
    const [{ entries, newer, older }, choices, chain] = await Promise.all([
      audit.browse(principal, {
        limit: auditPageSize,
        ...(filter.action ? { action: filter.action } : {}),
        ...(filter.secret
          ? uuidPattern.test(filter.secret)
            ? { targetId: filter.secret }
            : { targetName: filter.secret }
          : {}),
        ...(filter.actor ? { actorId: filter.actor } : {}),
        ...range,
        ...(before !== undefined ? { before } : {}),
        ...(after !== undefined ? { after } : {}),
      }),
      audit.filterChoices(principal),
      audit.verify(principal),
    ]);
    const link = (cursorKey: 'before' | 'after', id: number) =>
      new URLSearchParams({
        ...Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== '')),
        [cursorKey]: String(id),
      }).toString();
    const filtered = Object.values(filter).some((v) => v !== '');
    return renderPage(request, reply, 'admin-audit', {
      title: 'Audit log',
      entries,
      filter,
      filtered,
      problems,
      people: choices.people.map((p) => ({ ...p, selected: p.id === filter.actor })),
      secretNames: choices.secretNames,
      actions: auditActions.map((a) => ({ name: a, selected: a === filter.action })),
      chain,
      newer: newer && entries.length > 0 ? link('after', entries[0]!.id) : undefined,
      older: older && entries.length > 0 ? link('before', entries.at(-1)!.id) : undefined,
    });
  });

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
      { preHandler: app.csrfProtection, schema: uiSchema({ params: idParams }) },
      (request, reply) =>
        act(
          request,
          reply,
          '/admin/users',
          disabled ? 'user-disabled' : 'user-enabled',
          () => users.setDisabled(principalOf(request), param(request, 'id'), disabled),
          usersPage,
        ),
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
    { preHandler: app.csrfProtection, schema: uiSchema({ params: userPermissionParams }) },
    (request, reply) =>
      act(
        request,
        reply,
        '/admin/users',
        'permission-revoked',
        () => groups.revoke(principalOf(request), { userId: param(request, 'id') }, param(request, 'permission')),
        usersPage,
      ),
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
    { preHandler: app.csrfProtection, schema: uiSchema({ params: groupPermissionParams }) },
    (request, reply) =>
      act(
        request,
        reply,
        `/admin/groups/${encodeURIComponent(param(request, 'group'))}`,
        'permission-revoked',
        () => groups.revoke(principalOf(request), { groupId: param(request, 'group') }, param(request, 'permission')),
        groupPage,
      ),
  );
};
