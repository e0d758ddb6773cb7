/** Shares and versions of a secret: add and remove shares, list versions, roll back. */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { principalOf, requireSession } from '../plugins/auth.plugin.ts';
import { formAction, renderPage, str } from './render.ts';

type Body = Record<string, unknown>;
const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;

export const uiSharingRoutes: FastifyPluginAsync = async (app) => {
  const { secrets, shares, groups } = app.tresor;
  app.addHook('preHandler', requireSession);

  async function sharesPage(request: FastifyRequest, reply: FastifyReply, error?: string) {
    const principal = principalOf(request);
    const secret = await secrets.get(principal, idOf(request));
    return renderPage(request, reply, 'shares', { title: `Share ${secret.name}`, secret, shares: await shares.shares(principal, secret.id), groups: await groups.list(principal), can: await secrets.allowed(principal, secret.id), error });
  }

  async function versionsPage(request: FastifyRequest, reply: FastifyReply, error?: string) {
    const principal = principalOf(request);
    const secret = await secrets.get(principal, idOf(request));
    return renderPage(request, reply, 'versions', { title: `Versions of ${secret.name}`, secret, versions: await secrets.versions(principal, secret.id), can: await secrets.allowed(principal, secret.id), error });
  }

  app.get('/secrets/:id/shares', (request, reply) => sharesPage(request, reply));

  app.post('/secrets/:id/shares', { preHandler: app.csrfProtection }, async (request, reply) => {
    const body = request.body as Body;
    const target = str(body.user) ? { user: str(body.user) } : { group: str(body.group) };
    return formAction(
      async () => {
        await shares.share(principalOf(request), idOf(request), target);
        return reply.redirect(`/secrets/${idOf(request)}/shares?done=shared`);
      },
      (message) => sharesPage(request, reply.status(422), message),
    );
  });

  app.post('/secrets/:id/shares/:shareId/delete', { preHandler: app.csrfProtection }, async (request, reply) =>
    formAction(
      async () => {
        await shares.unshare(principalOf(request), idOf(request), (request.params as { shareId: string }).shareId);
        return reply.redirect(`/secrets/${idOf(request)}/shares?done=unshared`);
      },
      (message) => sharesPage(request, reply.status(409), message),
    ),
  );

  app.get('/secrets/:id/versions', (request, reply) => versionsPage(request, reply));

  app.post('/secrets/:id/rollback', { preHandler: app.csrfProtection }, async (request, reply) => {
    const body = request.body as Body;
    return formAction(
      async () => {
        await secrets.rollback(principalOf(request), idOf(request), Number(str(body.version)), { reason: str(body.reason) });
        return reply.redirect(`/secrets/${idOf(request)}/versions?done=rolled-back`);
      },
      (message) => versionsPage(request, reply.status(422), message),
    );
  });
};
