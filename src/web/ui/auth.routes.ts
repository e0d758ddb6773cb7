/** Sign in, sign out, and the one-time first-administrator setup page. */
import type {} from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { basePath, cookiePath, redirectTo } from '../paths.ts';
import { sessionCookie } from '../plugins/auth.plugin.ts';
import { loginRateLimit } from '../plugins/login-rate-limit.ts';
import { redirectWith } from './flash.ts';
import { form, sameTwice, text, uiSchema } from './form-schemas.ts';
import { formAction, renderPage } from './render.ts';
import { safeNext } from './safe-next.ts';
import { setSessionCookie } from './session-cookie.ts';

const loginQuery = z.object({ next: text(2000), email: text(320) });
const loginForm = form({ email: text(1000), password: text(1000), next: text(2000) });
const setupQuery = z.object({ token: text(200) });
const setupForm = form({
  token: text(200),
  email: text(1000),
  password: text(1000),
  confirm: text(1000),
  displayName: text(200),
});

/** Set at sign-out when the session came from the identity provider: the next page signs out there too. */
const signedOutCookie = 'tresor_signed_out';

export const uiAuthRoutes: FastifyPluginAsyncZod = async (app) => {
  const { sessions, bootstrap, signIn } = app.tresor;
  /** What the sign-in page offers: single sign-on, and the password form unless passwords are off. */
  const ways = (request: FastifyRequest, next: string) => ({
    sso: signIn.oidc
      ? {
          label: signIn.oidc.label,
          href: `${basePath(request)}/auth/oidc/start${next ? `?next=${encodeURIComponent(next)}` : ''}`,
        }
      : undefined,
    // With a directory, passwords stay on (the directory's); only local ones are break-glass.
    passwordsOff: signIn.ssoOnly && !signIn.directory,
    directory: signIn.directory,
  });

  app.get('/login', { schema: uiSchema({ querystring: loginQuery }) }, async (request, reply) => {
    if (request.principal) return redirectTo(reply, '/secrets');
    return renderPage(request, reply, 'login', {
      title: 'Sign in',
      next: request.query.next,
      // Just set up (or a link that names the account): the address filled in, the password next.
      email: request.query.email,
      ...ways(request, request.query.next),
    });
  });

  app.post(
    '/login',
    {
      preHandler: app.csrfProtection,
      schema: uiSchema({ body: loginForm }),
      config: { rateLimit: loginRateLimit(app.tresor.config.loginAttemptsPerMinute) },
    },
    async (request, reply) => {
      const body = request.body;
      return formAction(
        async () => {
          const user = await signIn.password(body.email, body.password);
          // A fresh session id at every login: a planted cookie (session fixation) is worthless.
          await sessions.destroySession(request.cookies[sessionCookie]);
          // With a second factor, the session waits for its code and opens nothing until then.
          const factorPending = await app.tresor.factors.enrolled(user.id);
          const session = await sessions.createSession(user.id, request.ip, undefined, { factorPending });
          setSessionCookie(request, reply, session);
          if (factorPending)
            return redirectTo(reply, `/login/code${body.next ? `?next=${encodeURIComponent(body.next)}` : ''}`);
          // After an administrator's reset, the new password comes first.
          return user.mustChangePassword
            ? redirectTo(reply, '/account/password')
            : reply.redirect(safeNext(basePath(request), body.next));
        },
        (message) =>
          renderPage(request, reply.status(401), 'login', {
            title: 'Sign in',
            error: message,
            email: body.email,
            next: body.next,
            ...ways(request, body.next),
          }),
      );
    },
  );

  app.post('/logout', { preHandler: app.csrfProtection }, async (request, reply) => {
    const holder = await sessions.sessionHolder(request.cookies[sessionCookie]);
    await sessions.destroySession(request.cookies[sessionCookie], request.principal);
    reply.clearCookie(sessionCookie, { path: cookiePath(request) });
    if (holder?.signInSource !== 'oidc' || !signIn.oidc) return redirectTo(reply, '/login');
    reply.setCookie(signedOutCookie, 'oidc', {
      path: cookiePath(request),
      httpOnly: true,
      sameSite: 'lax',
      maxAge: 60,
    });
    return redirectTo(reply, '/signed-out');
  });

  // Signed out of Tresor; a session from the identity provider ends there too (RP-initiated
  // logout), by a link the page follows at once: a form's redirect to another origin would be
  // stopped by the form-action policy.
  app.get('/signed-out', async (request, reply) => {
    const fromProvider = request.cookies[signedOutCookie] === 'oidc';
    reply.clearCookie(signedOutCookie, { path: cookiePath(request) });
    const origin = app.tresor.config.publicUrl
      ? new URL(app.tresor.config.publicUrl).origin
      : `${request.protocol}://${request.host}`;
    const providerLogout =
      fromProvider && signIn.oidc ? await signIn.oidc.endSessionUrl(`${origin}${basePath(request)}/login`) : undefined;
    if (!providerLogout) return redirectTo(reply, '/login');
    return renderPage(request, reply, 'signed-out', { title: 'Signed out', providerLogout, label: signIn.oidc?.label });
  });

  app.get('/setup', { schema: uiSchema({ querystring: setupQuery }) }, async (request, reply) => {
    // Setup is done once: the link, opened again (Back, a bookmark), leads to signing in.
    if (await bootstrap.setUp()) return redirectTo(reply, '/login');
    return renderPage(request, reply, 'setup', { title: 'Set up', token: request.query.token });
  });

  app.post(
    '/setup',
    {
      preHandler: app.csrfProtection,
      schema: uiSchema({ body: setupForm }),
      config: { rateLimit: loginRateLimit(app.tresor.config.loginAttemptsPerMinute) },
    },
    async (request, reply) => {
      const body = request.body;
      return formAction(
        async () => {
          sameTwice(body.password, body.confirm);
          await bootstrap.completeSetup(body.token, {
            email: body.email,
            password: body.password,
            ...(body.displayName ? { displayName: body.displayName } : {}),
          });
          return redirectWith(reply, `/login?${new URLSearchParams({ email: body.email.trim() })}`, 'setup-done');
        },
        (message) =>
          renderPage(request, reply.status(422), 'setup', {
            title: 'Set up',
            error: message,
            token: body.token,
            email: body.email,
            displayName: body.displayName,
          }),
      );
    },
  );
};
