/**
 * The spaces pages: the spaces this person works in (every space, for instance
 * administrators), creating one, and a space's roles — given and taken by its admins. The
 * space service and the gate decide; these pages offer only what the gate says will work.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { spaceRoleNames } from '../../access/principal-facts.ts';
import { defaultSpaceName } from '../../secrets/secret-rules.ts';
import type { RoleHolderRef } from '../../spaces/space.service.ts';
import { principalOf, requireSession } from '../plugins/auth.plugin.ts';
import { type FlashKey, redirectWith } from './flash.ts';
import { form, text, uiSchema } from './form-schemas.ts';
import { askToConfirm, confirmed, formAction, renderPage, statusOf } from './render.ts';

const spaceParams = z.object({ space: z.string().min(1).max(100) });
const roleForm = form({ kind: text(10), holder: text(320), role: text(20), confirm: text(10) });
const pathOf = (space: string) => `/spaces/${encodeURIComponent(space)}`;

/** The holder a form names: a user by e-mail or a group by name. */
const holderOf = (kind: string, holder: string): RoleHolderRef =>
  kind === 'group' ? { group: holder.trim() } : { user: holder.trim() };

export const uiSpacesRoutes: FastifyPluginAsyncZod = async (app) => {
  const { spaces } = app.tresor;
  app.addHook('preHandler', requireSession);

  async function spacesPage(request: FastifyRequest, reply: FastifyReply, error?: string) {
    const principal = principalOf(request);
    const [workplaces, createsSpaces] = await Promise.all([
      spaces.workplaces(principal),
      spaces.createsSpaces(principal),
    ]);
    const roles = new Map(workplaces.map((w) => [w.id, w.roles]));
    // Instance administrators see every space; the rest, those they hold a role in.
    const shown = createsSpaces ? await spaces.list(principal) : workplaces;
    return renderPage(request, reply, 'spaces', {
      title: 'Spaces',
      spaces: shown.map((s) => ({ ...s, href: pathOf(s.name), roles: roles.get(s.id) ?? [] })),
      createsSpaces,
      error,
    });
  }

  async function spacePage(request: FastifyRequest, reply: FastifyReply, error?: string) {
    const principal = principalOf(request);
    const ref = z.object({ space: z.string() }).parse(request.params).space;
    const space = await spaces.get(principal, ref);
    const [holders, givesRoles, readsAudit, workplaces, administers, key, rotatesKey, environments] = await Promise.all(
      [
        spaces.roles(principal, space.name),
        spaces.givesRoles(principal, space.id),
        spaces.readsAudit(principal, space.id),
        spaces.workplaces(principal),
        spaces.createsSpaces(principal),
        spaces.keyStatus(principal, space.name),
        spaces.rotatesKey(principal, space.id),
        spaces.environments(principal, space.name),
      ],
    );
    // The space's admins register its webhooks (webhook.service.ts asks the gate again).
    const hooks = workplaces.some((w) => w.id === space.id && w.roles.includes('admin'));
    return renderPage(request, reply, 'space', {
      title: `Space ${space.name}`,
      space,
      path: pathOf(space.name),
      store: `/secrets?${new URLSearchParams({ space: space.name })}`,
      holders,
      givesRoles,
      readsAudit,
      hooks,
      // Who creates spaces deletes them (instance administrators); the default space stays.
      deletable: administers && space.name !== defaultSpaceName,
      roleNames: spaceRoleNames,
      key: { ...key, current: key.versions.at(-1) },
      // The default goes last: offered for removal only when it is the only one.
      environments: environments.map((e) => ({ ...e, removable: !e.default || environments.length === 1 })),
      rotatesKey,
      error,
    });
  }

  const act = (
    request: FastifyRequest,
    reply: FastifyReply,
    back: string,
    done: FlashKey,
    action: () => Promise<unknown>,
    page: (r: FastifyRequest, p: FastifyReply, e?: string) => Promise<FastifyReply>,
  ) =>
    formAction(
      async () => {
        await action();
        return redirectWith(reply, back, done);
      },
      (message, error) => page(request, reply.status(statusOf(error)), message),
    );

  app.get('/spaces', (request, reply) => spacesPage(request, reply));

  app.post(
    '/spaces',
    { preHandler: app.csrfProtection, schema: uiSchema({ body: form({ name: text(200), description: text(1000) }) }) },
    (request, reply) =>
      act(
        request,
        reply,
        pathOf(request.body.name.trim()),
        'space-created',
        () =>
          spaces.create(principalOf(request), {
            name: request.body.name.trim(),
            description: request.body.description,
          }),
        spacesPage,
      ),
  );

  app.get('/spaces/:space', { schema: uiSchema({ params: spaceParams }) }, (request, reply) =>
    spacePage(request, reply),
  );

  app.get(
    '/spaces/:space/audit',
    { schema: uiSchema({ params: spaceParams, querystring: z.object({ before: text(20) }) }) },
    async (request, reply) => {
      const before = /^\d{1,15}$/.test(request.query.before) ? Number(request.query.before) : undefined;
      const space = await spaces.get(principalOf(request), request.params.space);
      const { entries, older } = await spaces.audit(principalOf(request), space.name, {
        limit: 50,
        ...(before ? { before } : {}),
      });
      return renderPage(request, reply, 'space-audit', {
        title: `Audit log of ${space.name}`,
        space,
        path: pathOf(space.name),
        entries,
        older: older ? `before=${entries.at(-1)!.id}` : undefined,
      });
    },
  );

  app.post(
    '/spaces/:space/roles',
    { preHandler: app.csrfProtection, schema: uiSchema({ params: spaceParams, body: roleForm }) },
    (request, reply) => {
      const b = request.body;
      return act(
        request,
        reply,
        pathOf(request.params.space),
        'role-given',
        () => spaces.setRole(principalOf(request), request.params.space, holderOf(b.kind, b.holder), b.role),
        spacePage,
      );
    },
  );

  app.post(
    '/spaces/:space/environments',
    {
      preHandler: app.csrfProtection,
      schema: uiSchema({ params: spaceParams, body: form({ environment: text(64) }) }),
    },
    (request, reply) =>
      act(
        request,
        reply,
        pathOf(request.params.space),
        'environment-added',
        () => spaces.addEnvironment(principalOf(request), request.params.space, request.body.environment),
        spacePage,
      ),
  );

  app.post(
    '/spaces/:space/environments/remove',
    {
      preHandler: app.csrfProtection,
      schema: uiSchema({ params: spaceParams, body: form({ environment: text(64), confirm: text(10) }) }),
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const space = await spaces.get(principal, request.params.space);
      const { environment } = request.body;
      if (!confirmed(request.body)) {
        if (!(await spaces.givesRoles(principal, space.id)))
          return spacePage(
            request,
            reply.status(403),
            `Changing the environments of "${space.name}" needs its admin role`,
          );
        return askToConfirm(request, reply, {
          title: `Remove environment ${environment} from ${space.name}?`,
          question:
            `Every value the secrets of ${space.name} hold in ${environment} is destroyed with its versions, and ` +
            `modules asking for ${environment} are refused. This cannot be undone.`,
          action: `${pathOf(space.name)}/environments/remove`,
          fields: { environment },
          button: 'Remove environment',
          back: pathOf(space.name),
          danger: true,
        });
      }
      return act(
        request,
        reply,
        pathOf(space.name),
        'environment-removed',
        () => spaces.removeEnvironment(principal, space.name, environment, { force: true }),
        spacePage,
      );
    },
  );

  app.post(
    '/spaces/:space/key/rotate',
    { preHandler: app.csrfProtection, schema: uiSchema({ params: spaceParams }) },
    (request, reply) =>
      act(
        request,
        reply,
        pathOf(request.params.space),
        'space-key-rotated',
        () => spaces.rotateKey(principalOf(request), request.params.space),
        spacePage,
      ),
  );

  app.post(
    '/spaces/:space/delete',
    {
      preHandler: app.csrfProtection,
      schema: uiSchema({ params: spaceParams, body: form({ confirm: text(10), force: text(10) }) }),
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const space = await spaces.get(principal, request.params.space);
      if (!confirmed(request.body))
        return askToConfirm(request, reply, {
          title: `Delete space ${space.name}?`,
          question:
            `Every secret in ${space.name} is deleted with its versions and shares, and so are its roles, ` +
            'webhook endpoints and keys (nothing sealed under them can be opened again); modules using them stop ' +
            'working. Their history stays on the audit trail. This cannot be undone.',
          action: `${pathOf(space.name)}/delete`,
          fields: request.body.force === 'yes' ? { force: 'yes' } : {},
          button: 'Delete space',
          back: pathOf(space.name),
          danger: true,
        });
      return act(
        request,
        reply,
        '/spaces',
        'space-deleted',
        () => spaces.delete(principal, space.name, { force: request.body.force === 'yes' }),
        spacePage,
      );
    },
  );

  app.post(
    '/spaces/:space/roles/remove',
    { preHandler: app.csrfProtection, schema: uiSchema({ params: spaceParams, body: roleForm }) },
    async (request, reply) => {
      const b = request.body;
      const space = request.params.space;
      if (!confirmed(b)) {
        // Asked only of whoever may take it (the gate's answer), so the question never promises what is refused.
        const principal = principalOf(request);
        const found = await spaces.get(principal, space);
        if (!(await spaces.givesRoles(principal, found.id)))
          return spacePage(request, reply.status(403), `Taking roles in space "${found.name}" needs its admin role`);
        return askToConfirm(request, reply, {
          title: `Take ${b.holder}'s role in ${found.name}?`,
          question:
            `${b.kind === 'group' ? `Members of group ${b.holder}` : b.holder} lose what the role gave them in ` +
            `${found.name}: its secrets that the space sees, and what they could do with them.`,
          action: `${pathOf(found.name)}/roles/remove`,
          fields: { kind: b.kind, holder: b.holder },
          button: 'Take the role',
          back: pathOf(found.name),
          danger: true,
        });
      }
      return act(
        request,
        reply,
        pathOf(space),
        'role-removed',
        () => spaces.removeRole(principalOf(request), space, holderOf(b.kind, b.holder)),
        spacePage,
      );
    },
  );
};
