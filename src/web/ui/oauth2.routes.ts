/**
 * The Connect flow of OAuth2 secrets in the browser (the service decides everything):
 * - POST /secrets/:id/oauth2/connect sends the browser to the authorization server, with a
 *   state bound to this session;
 * - GET /oauth2/callback is where the server sends it back: the code is exchanged and the
 *   browser goes to the secret's page (post/redirect/get), or sees what was refused;
 * - POST /secrets/:id/oauth2/disconnect forgets the connection, after asking.
 * The redirect URI is Tresor's own: at TRESOR_PUBLIC_URL when set, else where this request came.
 */
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TresorError } from '../../errors.ts';
import { basePath } from '../paths.ts';
import { principalOf, requireSession, sessionCookie } from '../plugins/auth.plugin.ts';
import { redirectWith } from './flash.ts';
import { form, idParams, text, uiSchema } from './form-schemas.ts';
import { askToConfirm, confirmed } from './render.ts';

const callbackQuery = z.object({
  state: text(500),
  code: text(2000),
  error: text(200),
  error_description: text(1000),
  iss: text(2000),
});

/** The browser session the flow belongs to (its cookie, hashed: the service stores only a hash of this). */
function sessionOf(request: FastifyRequest): string {
  const cookie = request.cookies[sessionCookie];
  if (!cookie) throw new TresorError('UNAUTHENTICATED', 'Connecting a secret needs a signed-in browser session');
  return createHash('sha256').update(cookie).digest('base64url');
}

export const uiOAuth2Routes: FastifyPluginAsyncZod = async (app) => {
  const { oauth2, config } = app.tresor;
  app.addHook('preHandler', requireSession);

  const redirectUri = (request: FastifyRequest) => {
    const origin = config.publicUrl ? new URL(config.publicUrl).origin : `${request.protocol}://${request.host}`;
    return `${origin}${basePath(request)}/oauth2/callback`;
  };

  app.post(
    '/secrets/:id/oauth2/connect',
    { preHandler: app.csrfProtection, schema: uiSchema({ params: idParams, body: form({}) }) },
    async (request, reply) => {
      const { authorizationUrl } = await oauth2.begin(principalOf(request), request.params.id, {
        session: sessionOf(request),
        redirectUri: redirectUri(request),
      });
      return reply.header('Cache-Control', 'no-store').redirect(authorizationUrl, 303);
    },
  );

  app.get('/oauth2/callback', { schema: uiSchema({ querystring: callbackQuery }) }, async (request, reply) => {
    const q = request.query;
    const { secretId } = await oauth2.complete(principalOf(request), {
      state: q.state,
      code: q.code,
      error: q.error,
      session: sessionOf(request),
    });
    return redirectWith(reply, `/secrets/${secretId}`, 'oauth2-connected');
  });

  app.post(
    '/secrets/:id/oauth2/disconnect',
    { preHandler: app.csrfProtection, schema: uiSchema({ params: idParams, body: form({ confirm: text(10) }) }) },
    async (request, reply) => {
      const { id } = request.params;
      if (!confirmed(request.body))
        return askToConfirm(request, reply, {
          title: 'Forget the connection',
          question:
            'Forget this secret’s tokens? Modules are refused it until someone connects it again. ' +
            'The grant at the authorization server stays until you revoke it there.',
          action: `/secrets/${id}/oauth2/disconnect`,
          button: 'Forget the connection',
          back: `/secrets/${id}`,
          danger: true,
        });
      await oauth2.disconnect(principalOf(request), id);
      return redirectWith(reply, `/secrets/${id}`, 'oauth2-disconnected');
    },
  );
};
