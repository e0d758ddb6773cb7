/** The signed-in user's API tokens: create (shown once), list, revoke. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { NotFoundError } from '../../errors.ts';
import { redirectTo } from '../paths.ts';
import { principalOf, requireSession, stepUpFirst } from '../plugins/auth.plugin.ts';
import { keepNewToken, redirectWith, takeNewToken } from './flash.ts';
import { form, idParams, text, uiSchema } from './form-schemas.ts';
import { askToConfirm, confirmed, formAction, renderPage } from './render.ts';

const tokenForm = form({ name: text(200), expiresInDays: text(10), scope: text(10), currentPassword: text(1000) });

export const uiTokensRoutes: FastifyPluginAsyncZod = async (app) => {
  const { sessions, users } = app.tresor;
  app.addHook('preHandler', requireSession);

  const page = async (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}) =>
    renderPage(request, reply, 'tokens', {
      title: 'API tokens',
      tokens: await sessions.tokens(principalOf(request)),
      signsInElsewhere: (await users.whoami(principalOf(request))).user.signsInElsewhere,
      ...extra,
    });

  // The token created by the POST that redirected here is shown this once (it travels sealed to the session).
  app.get('/tokens', { preHandler: stepUpFirst }, (request, reply) => {
    const created = takeNewToken(request, reply);
    return page(request, reply, created ? { created: { name: created.name, token: created.value } } : {});
  });

  app.post(
    '/tokens',
    { preHandler: app.csrfProtection, schema: uiSchema({ body: tokenForm }) },
    async (request, reply) => {
      const body = request.body;
      const days = body.expiresInDays;
      return formAction(
        async () => {
          const created = await sessions.createToken(principalOf(request), {
            name: body.name,
            scope: body.scope || 'full',
            currentPassword: body.currentPassword,
            ...(days ? { expiresInDays: Number(days) } : {}),
          });
          // Post/redirect/get: a reload never mints a second token; the value is never in a URL.
          keepNewToken(request, reply, { name: created.info.name, value: created.token });
          return redirectTo(reply, '/tokens');
        },
        (message) => page(request, reply.status(422), { error: message }),
      );
    },
  );

  app.post(
    '/tokens/:id/revoke',
    { preHandler: app.csrfProtection, schema: uiSchema({ params: idParams, body: form({ confirm: text(10) }) }) },
    async (request, reply) => {
      const principal = principalOf(request);
      if (!confirmed(request.body)) {
        const token = (await sessions.tokens(principal)).find((t) => t.id === request.params.id);
        if (!token) throw new NotFoundError(`No token ${request.params.id}`);
        return askToConfirm(request, reply, {
          title: `Revoke ${token.name}?`,
          question:
            `Scripts using the token ${token.name} (and every token created with it) stop working at once. ` +
            'This cannot be undone.',
          action: `/tokens/${token.id}/revoke`,
          button: 'Revoke token',
          back: '/tokens',
          danger: true,
        });
      }
      await sessions.revokeToken(principal, request.params.id);
      return redirectWith(reply, '/tokens', 'token-revoked');
    },
  );
};
