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
  const { secrets, shares, groups } = app.tresor;
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

  async function versionsPage(request: FastifyRequest, reply: FastifyReply, error?: string) {
    const principal = principalOf(request);
    const secret = await secrets.get(principal, idOf(request));
    return renderPage(request, reply, 'versions', {
      title: `Versions of ${secret.name}`,
      secret,
      versions: await secrets.versions(principal, secret.id),
      can: await secrets.allowed(principal, secret.id),
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

  app.get('/secrets/:id/versions', { schema: uiSchema({ params: idParams }) }, (request, reply) =>
    versionsPage(request, reply),
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
