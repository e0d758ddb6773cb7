/** The signed-in user's API tokens: create (shown once), list, revoke. */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { principalOf, requireSession } from '../plugins/auth.plugin.ts';
import { formAction, renderPage, str } from './render.ts';

export const uiTokensRoutes: FastifyPluginAsync = async (app) => {
  const { sessions } = app.tresor;
  app.addHook('preHandler', requireSession);

  const page = async (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}) =>
    renderPage(request, reply, 'tokens', { title: 'API tokens', tokens: await sessions.tokens(principalOf(request)), ...extra });

  app.get('/tokens', (request, reply) => page(request, reply));

  app.post('/tokens', { preHandler: app.csrfProtection }, async (request, reply) => {
    const body = request.body as Record<string, unknown>;
    const days = str(body.expiresInDays);
    return formAction(
      async () => {
        const created = await sessions.createToken(principalOf(request), { name: body.name, ...(days ? { expiresInDays: Number(days) } : {}) });
        // Rendered directly (never redirected with the token in a URL), and only this once.
        return page(request, reply.status(201), { created: { name: created.info.name, token: created.token } });
      },
      (message) => page(request, reply.status(422), { error: message }),
    );
  });

  app.post('/tokens/:id/revoke', { preHandler: app.csrfProtection }, async (request, reply) => {
    await sessions.revokeToken(principalOf(request), (request.params as { id: string }).id);
    return reply.redirect('/tokens');
  });
};
