/**
 * Passkeys in the web UI (identity/second-factor/passkey.service.ts). The browser half is
 * templates/assets/passkeys.js: it fetches a ceremony's options (a form post with the CSRF
 * token, answered in JSON), asks the authenticator, and submits the form with its answer —
 * so every change is still a form post that redirects. The ceremony's challenge is named by
 * a short-lived cookie and kept on the server, once.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import type { RelyingParty } from '../../identity/second-factor/passkey.service.ts';
import { basePath, cookiePath } from '../paths.ts';
import { principalOf, requireSession, sessionCookie } from '../plugins/auth.plugin.ts';
import { loginRateLimit } from '../plugins/login-rate-limit.ts';
import { redirectWith } from './flash.ts';
import { form, text, uiSchema } from './form-schemas.ts';
import { renderErrorPage, renderPage, statusOf } from './render.ts';
import { safeNext } from './safe-next.ts';
import { setSessionCookie } from './session-cookie.ts';

const ceremonyCookie = 'tresor_webauthn';
const answerForm = form({ response: text(20_000), next: text(2000), name: text(100) });

/** Tresor as the browser sees it: TRESOR_PUBLIC_URL when set, else the request's own origin. */
function relyingParty(request: FastifyRequest): RelyingParty {
  const { publicUrl } = request.server.tresor.config;
  const origin = publicUrl ? new URL(publicUrl).origin : `${request.protocol}://${request.host}`;
  return { id: new URL(origin).hostname, origin };
}

export const uiPasskeyRoutes: FastifyPluginAsyncZod = async (app) => {
  const { passkeys, sessions } = app.tresor;
  const secureCookie = Boolean(app.tresor.config.tlsCert);
  const limit = { rateLimit: loginRateLimit(app.tresor.config.loginAttemptsPerMinute) };

  function keepCeremony(request: FastifyRequest, reply: FastifyReply, ceremony: string): void {
    reply.setCookie(ceremonyCookie, ceremony, {
      path: cookiePath(request),
      httpOnly: true,
      sameSite: 'strict',
      secure: secureCookie,
      maxAge: 300,
    });
  }
  function takeCeremony(request: FastifyRequest, reply: FastifyReply): string | undefined {
    reply.clearCookie(ceremonyCookie, { path: cookiePath(request) });
    return request.cookies[ceremonyCookie];
  }

  app.post('/passkeys/sign-in/options', { preHandler: app.csrfProtection, config: limit }, async (request, reply) => {
    const { options, ceremony } = await passkeys.authenticationOptions(relyingParty(request));
    keepCeremony(request, reply, ceremony);
    return reply.header('content-type', 'application/json').send(options);
  });

  /** Signs in with a passkey: alone (both factors), or after a password (as its second factor). */
  app.post(
    '/login/passkey',
    { preHandler: app.csrfProtection, config: limit, schema: uiSchema({ body: answerForm }) },
    async (request, reply) => {
      const rp = relyingParty(request);
      const waiting = await sessions.pendingFactor(request.cookies[sessionCookie]);
      let userId: string;
      try {
        userId = await passkeys.authenticate(rp, takeCeremony(request, reply), request.body.response, 'sign-in');
        // After a password, the passkey must be that account's.
        if (waiting && waiting.userId !== userId) throw new Error('This passkey is not the account’s');
      } catch (error) {
        return renderPage(request, reply.status(401), 'login', {
          title: 'Sign in',
          error: error instanceof Error ? error.message : 'This passkey was not accepted',
          next: request.body.next,
        });
      }
      await sessions.destroySession(request.cookies[sessionCookie]);
      const session = await sessions.createSession(userId, request.ip, undefined, { factorAt: new Date() });
      setSessionCookie(request, reply, session);
      return reply.redirect(safeNext(basePath(request), request.body.next));
    },
  );

  app.register(async (scope) => {
    scope.addHook('preHandler', requireSession);
    const account = scope.withTypeProvider<ZodTypeProvider>();

    account.post('/account/passkeys/options', { preHandler: app.csrfProtection }, async (request, reply) => {
      const { options, ceremony } = await passkeys.registrationOptions(principalOf(request), relyingParty(request));
      keepCeremony(request, reply, ceremony);
      return reply.header('content-type', 'application/json').send(options);
    });

    account.post(
      '/account/passkeys',
      { preHandler: app.csrfProtection, schema: uiSchema({ body: answerForm }) },
      async (request, reply) => {
        try {
          await passkeys.register(principalOf(request), relyingParty(request), takeCeremony(request, reply), {
            response: request.body.response,
            name: request.body.name,
          });
        } catch (error) {
          const message = error instanceof Error ? error.message : 'The passkey could not be added';
          return renderErrorPage(request, reply, statusOf(error), message);
        }
        return redirectWith(reply, '/account/second-factor', 'passkey-added');
      },
    );

    account.post(
      '/account/passkeys/remove',
      { preHandler: app.csrfProtection, schema: uiSchema({ body: form({ id: text(1000) }) }) },
      async (request, reply) => {
        await passkeys.remove(principalOf(request), request.body.id);
        return redirectWith(reply, '/account/second-factor', 'passkey-removed');
      },
    );

    // Step-up with a passkey (access/step-up.gate.ts): the passkey must be the signed-in user's.
    account.post(
      '/account/confirm/passkey',
      { preHandler: app.csrfProtection, config: limit, schema: uiSchema({ body: answerForm }) },
      async (request, reply) => {
        const principal = principalOf(request);
        const userId = await passkeys
          .authenticate(relyingParty(request), takeCeremony(request, reply), request.body.response, 'step-up')
          .catch(() => undefined);
        const cookie = request.cookies[sessionCookie];
        if (userId !== principal.id || !cookie)
          return renderPage(request, reply.status(401), 'confirm-factor', {
            title: 'Confirm it is you',
            next: request.body.next,
            error: 'This passkey was not accepted',
          });
        await sessions.markFactor(cookie);
        return reply.redirect(safeNext(basePath(request), request.body.next));
      },
    );
  });
};
