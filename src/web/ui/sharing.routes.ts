/** Shares and versions of a secret: add and remove shares, list versions, roll back. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf, requireSession } from '../plugins/auth.plugin.ts';
import { redirectWith } from './flash.ts';
import { form, idParams, text, uiSchema } from './form-schemas.ts';
import { askToConfirm, confirmed, formAction, renderPage, statusOf } from './render.ts';

/** The id in the path, parsed by the route's schema (every route here has `idParams` or an extension of it). */
const idOf = (request: FastifyRequest) => idParams.parse(request.params).id;
const shareParams = idParams.extend({ shareId: z.string().min(1).max(100) });

export const uiSharingRoutes: FastifyPluginAsyncZod = async (app) => {
  const { secrets, shares, groups, registry } = app.tresor;
  app.addHook('preHandler', requireSession);

  async function sharesPage(request: FastifyRequest, reply: FastifyReply, error?: string) {
    const principal = principalOf(request);
    const secret = await secrets.get(principal, idOf(request), { for: 'share' });
    return renderPage(request, reply, 'shares', {
      title: `Share ${secret.name}`,
      secret,
      shares: await shares.shares(principal, secret.id),
      groups: await groups.list(principal),
      can: await secrets.allowed(principal, secret.id),
      error,
    });
  }

  async function versionsPage(request: FastifyRequest, reply: FastifyReply, error?: string, environment = '') {
    const principal = principalOf(request);
    const secret = await secrets.get(principal, idOf(request));
    // One environment's value's versions: its history only (rollback and compare are the secret's own value's).
    const versions = environment
      ? await secrets.environmentVersions(principal, secret.id, environment)
      : await secrets.versions(principal, secret.id);
    const can = await secrets.allowed(principal, secret.id);
    return renderPage(request, reply, 'versions', {
      title: environment ? `Versions of ${secret.name} in ${environment}` : `Versions of ${secret.name}`,
      secret,
      environment: environment || undefined,
      current: environment ? versions[0]?.version : secret.version,
      versions,
      can: environment ? { ...can, rollback: false } : can,
      // Compare offers the previous version against the current one first.
      compareFrom: Math.max(secret.version - 1, 1),
      error,
    });
  }

  app.get('/secrets/:id/shares', { schema: uiSchema({ params: idParams }) }, (request, reply) =>
    sharesPage(request, reply),
  );

  app.post(
    '/secrets/:id/shares',
    {
      preHandler: app.csrfProtection,
      schema: uiSchema({ params: idParams, body: form({ user: text(320), group: text(200) }) }),
    },
    async (request, reply) => {
      const body = request.body;
      const target = body.user ? { user: body.user } : { group: body.group };
      return formAction(
        async () => {
          await shares.share(principalOf(request), idOf(request), target);
          return redirectWith(reply, `/secrets/${idOf(request)}/shares`, 'shared');
        },
        (message) => sharesPage(request, reply.status(422), message),
      );
    },
  );

  app.post(
    '/secrets/:id/shares/:shareId/delete',
    { preHandler: app.csrfProtection, schema: uiSchema({ params: shareParams, body: form({ confirm: text(10) }) }) },
    async (request, reply) => {
      const principal = principalOf(request);
      const { id, shareId } = request.params;
      if (!confirmed(request.body)) {
        const secret = await secrets.get(principal, id, { for: 'unshare' });
        const share = (await shares.shares(principal, secret.id)).find((s) => s.id === shareId);
        const recipient = share ? `${share.kind === 'user' ? 'User' : 'Group'} ${share.label}` : 'The recipient';
        return askToConfirm(request, reply, {
          title: 'Remove this share?',
          question: `${recipient} will no longer be able to use ${secret.name}.`,
          action: `/secrets/${secret.id}/shares/${encodeURIComponent(shareId)}/delete`,
          button: 'Remove share',
          back: `/secrets/${secret.id}/shares`,
          danger: true,
        });
      }
      return formAction(
        async () => {
          await shares.unshare(principal, id, shareId);
          return redirectWith(reply, `/secrets/${idOf(request)}/shares`, 'unshared');
        },
        (message, error) => sharesPage(request, reply.status(statusOf(error)), message),
      );
    },
  );

  app.get(
    '/secrets/:id/versions',
    { schema: uiSchema({ params: idParams, querystring: z.object({ environment: text(64) }) }) },
    (request, reply) => versionsPage(request, reply, undefined, request.query.environment),
  );

  app.get(
    '/secrets/:id/versions/compare',
    { schema: uiSchema({ params: idParams, querystring: z.object({ from: text(12), to: text(12) }) }) },
    async (request, reply) => {
      const principal = principalOf(request);
      const [from, to] = [Number(request.query.from), Number(request.query.to)];
      return formAction(
        async () => {
          const compared = await secrets.compare(principal, idOf(request), from, to);
          const type = registry.get(compared.secret.type).in(request.locale);
          const labelOf = (key: string) => type.formModel.fields.find((f) => f.key === key)?.label ?? key;
          const shown = (value: unknown) =>
            value === null
              ? 'not set'
              : Array.isArray(value)
                ? value.map((p: { name: string }) => p.name).join(', ') || 'none'
                : typeof value === 'boolean'
                  ? value
                    ? 'Yes'
                    : 'No'
                  : String(value);
          const rows = compared.fields.map((f) => ({
            label: labelOf(f.key),
            changed: f.changed,
            secret: f.secret,
            from: f.secret ? undefined : shown(f.from),
            to: f.secret ? undefined : shown(f.to),
            summary: !f.secret
              ? undefined
              : 'pairs' in f
                ? [
                    f.added.length > 0 ? `added ${f.added.join(', ')}` : '',
                    f.removed.length > 0 ? `removed ${f.removed.join(', ')}` : '',
                    f.valuesChanged ? 'values changed' : '',
                  ]
                    .filter(Boolean)
                    .join('; ') || 'unchanged'
                : !f.changed
                  ? f.setAfter
                    ? 'unchanged'
                    : 'not set'
                  : !f.setAfter
                    ? 'removed'
                    : !f.setBefore
                      ? 'set'
                      : 'changed',
          }));
          return renderPage(request, reply, 'version-diff', {
            title: `${compared.secret.name}: v${compared.from.version} → v${compared.to.version}`,
            secret: compared.secret,
            from: compared.from,
            to: compared.to,
            rows,
            changes: rows.filter((r) => r.changed).length,
          });
        },
        (message, error) => versionsPage(request, reply.status(statusOf(error)), message),
      );
    },
  );

  app.post(
    '/secrets/:id/rollback',
    {
      preHandler: app.csrfProtection,
      schema: uiSchema({ params: idParams, body: form({ version: text(20), reason: text(500), confirm: text(10) }) }),
    },
    async (request, reply) => {
      const body = request.body;
      if (!confirmed(body)) {
        const secret = await secrets.get(principalOf(request), idOf(request), { for: 'rollback' });
        return askToConfirm(request, reply, {
          title: `Roll back ${secret.name}?`,
          question:
            `A new version ${secret.version + 1} will hold the values of version ${body.version}; ` +
            'the versions in between stay in the history.',
          action: `/secrets/${secret.id}/rollback`,
          fields: { version: body.version, reason: body.reason },
          button: `Roll back to version ${body.version}`,
          back: `/secrets/${secret.id}/versions`,
        });
      }
      return formAction(
        async () => {
          await secrets.rollback(principalOf(request), idOf(request), Number(body.version), { reason: body.reason });
          return redirectWith(reply, `/secrets/${idOf(request)}/versions`, 'rolled-back');
        },
        (message) => versionsPage(request, reply.status(422), message),
      );
    },
  );
};
