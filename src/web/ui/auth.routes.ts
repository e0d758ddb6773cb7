/** Sign in, sign out, and the one-time first-administrator setup page. */
import type { FastifyPluginAsync } from 'fastify';
import type {} from '@fastify/rate-limit';
import { sessionCookie } from '../plugins/auth.plugin.ts';
import { loginRateLimit } from '../plugins/login-rate-limit.ts';
import { formAction, renderPage, str } from './render.ts';

/** Only same-site paths are followed after login (no open redirect). */
const safeNext = (next: unknown) => (typeof next === 'string' && /^\/(?!\/)[\w\-./?=&%]*$/.test(next) ? next : '/secrets');

export const uiAuthRoutes: FastifyPluginAsync = async (app) => {
  const { users, sessions, bootstrap } = app.tresor;
  const secureCookie = Boolean(app.tresor.config.tlsCert);

  app.get('/login', async (request, reply) => {
    if (request.principal) return reply.redirect('/secrets');
    return renderPage(request, reply, 'login', { title: 'Sign in', next: str((request.query as Record<string, unknown>).next) });
  });

  app.post('/login', { preHandler: app.csrfProtection, config: { rateLimit: loginRateLimit(app.tresor.config.loginAttemptsPerMinute) } }, async (request, reply) => {
    const body = request.body as Record<string, unknown>;
    return formAction(
      async () => {
        const user = await users.authenticate(body.email, body.password);
        // A fresh session id at every login: a planted cookie (session fixation) is worthless.
        await sessions.destroySession(request.cookies[sessionCookie]);
        const session = await sessions.createSession(user.id, request.ip);
        reply.setCookie(sessionCookie, session.cookie, { path: '/', httpOnly: true, sameSite: 'lax', secure: secureCookie, expires: session.expiresAt });
        return reply.redirect(safeNext(body.next));
      },
      (message) => renderPage(request, reply.status(401), 'login', { title: 'Sign in', error: message, email: str(body.email), next: str(body.next) }),
    );
  });

  app.post('/logout', { preHandler: app.csrfProtection }, async (request, reply) => {
    await sessions.destroySession(request.cookies[sessionCookie], request.principal);
    reply.clearCookie(sessionCookie, { path: '/' });
    return reply.redirect('/login');
  });

  app.get('/setup', async (request, reply) => renderPage(request, reply, 'setup', { title: 'Set up', token: str((request.query as Record<string, unknown>).token) }));

  app.post('/setup', { preHandler: app.csrfProtection, config: { rateLimit: loginRateLimit(app.tresor.config.loginAttemptsPerMinute) } }, async (request, reply) => {
    const body = request.body as Record<string, unknown>;
    return formAction(
      async () => {
        await bootstrap.completeSetup(str(body.token), { email: body.email, password: body.password, ...(str(body.displayName) ? { displayName: body.displayName } : {}) });
        return reply.redirect('/login?done=setup-done');
      },
      (message) => renderPage(request, reply.status(422), 'setup', { title: 'Set up', error: message, token: str(body.token), email: str(body.email), displayName: str(body.displayName) }),
    );
  });
};
