/**
 * Single sign-on pages: `/auth/oidc/start` sends the browser to the identity provider with a
 * flow cookie, `/auth/oidc/callback` takes it back, checks it (oidc-sign-in.service.ts) and
 * starts a session. A refusal shows the sign-in page with what went wrong.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError, TresorError } from '../../errors.ts';
import { basePath, cookiePath } from '../paths.ts';
import { sessionCookie } from '../plugins/auth.plugin.ts';
import { text, uiSchema } from './form-schemas.ts';
import { renderPage } from './render.ts';
import { safeNext } from './safe-next.ts';
import { setSessionCookie } from './session-cookie.ts';

const flowCookie = 'tresor_sso_flow';
const callbackQuery = z.object({
  code: text(2000),
  state: text(500),
  error: text(200),
  error_description: text(1000),
  iss: text(2000),
  session_state: text(500),
});

/** Tresor's own callback, on TRESOR_PUBLIC_URL's origin when that is set (the provider checks it is registered). */
export function ssoRedirectUri(request: FastifyRequest): string {
  const { publicUrl } = request.server.tresor.config;
  const origin = publicUrl ? new URL(publicUrl).origin : `${request.protocol}://${request.host}`;
  return `${origin}${basePath(request)}/auth/oidc/callback`;
}

export const uiSsoRoutes: FastifyPluginAsyncZod = async (app) => {
  const { sessions, signIn } = app.tresor;
  const secureCookie = Boolean(app.tresor.config.tlsCert);
  // No password is taken here: the limit only keeps one client from hammering the provider and the database.
  const ssoRateLimit = {
    max: 6 * app.tresor.config.loginAttemptsPerMinute,
    timeWindow: '1 minute',
    keyGenerator: (request: FastifyRequest) => request.ip,
  };
  const provider = () => {
    if (!signIn.oidc) throw new NotFoundError('Single sign-on is not configured here');
    return signIn.oidc;
  };

  app.get(
    '/auth/oidc/start',
    {
      schema: uiSchema({ querystring: z.object({ next: text(2000) }) }),
      config: { rateLimit: ssoRateLimit },
    },
    async (request, reply) => {
      const { url, flow } = await provider().begin({
        redirectUri: ssoRedirectUri(request),
        next: safeNext(basePath(request), request.query.next),
      });
      reply.setCookie(flowCookie, flow, {
        path: cookiePath(request),
        httpOnly: true,
        // The provider sends the browser back with a top-level GET: Lax cookies go with it.
        sameSite: 'lax',
        secure: secureCookie,
        maxAge: 600,
      });
      return reply.redirect(url, 303);
    },
  );

  async function refused(request: FastifyRequest, reply: FastifyReply, message: string) {
    return renderPage(request, reply.status(401), 'login', { title: 'Sign in', error: message, next: '' });
  }

  app.get(
    '/auth/oidc/callback',
    {
      schema: uiSchema({ querystring: callbackQuery }),
      config: { rateLimit: ssoRateLimit },
    },
    async (request, reply) => {
      const flow = request.cookies[flowCookie];
      reply.clearCookie(flowCookie, { path: cookiePath(request) });
      const query = new URLSearchParams(
        Object.entries(request.query).filter((entry): entry is [string, string] => entry[1] !== ''),
      );
      let signedIn: Awaited<ReturnType<ReturnType<typeof provider>['complete']>>;
      try {
        signedIn = await provider().complete({ flow, redirectUri: ssoRedirectUri(request), query });
      } catch (error) {
        if (error instanceof TresorError && error.code === 'UNAUTHENTICATED')
          return refused(request, reply, error.message);
        throw error;
      }
      // A fresh session id at every sign-in: a planted cookie (session fixation) is worthless.
      await sessions.destroySession(request.cookies[sessionCookie]);
      const session = await sessions.createSession(signedIn.user.id, request.ip, 'oidc');
      setSessionCookie(request, reply, session);
      return reply.redirect(safeNext(basePath(request), signedIn.next), 303);
    },
  );
};
