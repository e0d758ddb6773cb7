/**
 * Second factors in the web UI (identity/second-factor): the code page a password sign-in
 * leads to when the account has one, and the account's page to set one up (QR code, first
 * code, recovery codes shown once) or remove it. An administrator's removal for a user who
 * lost theirs is on the users page (admin.routes.ts).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { basePath, redirectTo } from '../paths.ts';
import { principalOf, requireSession, sessionCookie } from '../plugins/auth.plugin.ts';
import { loginRateLimit } from '../plugins/login-rate-limit.ts';
import { keepRecoveryCodes, redirectWith, takeRecoveryCodes } from './flash.ts';
import { form, text, uiSchema } from './form-schemas.ts';
import { formAction, renderPage, statusOf } from './render.ts';
import { safeNext } from './safe-next.ts';
import { setSessionCookie } from './session-cookie.ts';

const nextQuery = z.object({ next: text(2000) });
const codeForm = form({ code: text(40), next: text(2000) });

export const uiSecondFactorRoutes: FastifyPluginAsyncZod = async (app) => {
  const { sessions, factors } = app.tresor;

  function codePage(request: FastifyRequest, reply: FastifyReply, next: string, error?: string) {
    return renderPage(request, reply, 'login-code', { title: 'Second factor', next, error });
  }

  app.get('/login/code', { schema: uiSchema({ querystring: nextQuery }) }, async (request, reply) => {
    if (!(await sessions.pendingFactor(request.cookies[sessionCookie]))) return redirectTo(reply, '/login');
    return codePage(request, reply, request.query.next);
  });

  app.post(
    '/login/code',
    {
      preHandler: app.csrfProtection,
      schema: uiSchema({ body: codeForm }),
      config: { rateLimit: loginRateLimit(app.tresor.config.loginAttemptsPerMinute) },
    },
    async (request, reply) => {
      const cookie = request.cookies[sessionCookie];
      const pending = await sessions.pendingFactor(cookie);
      if (!cookie || !pending) return redirectTo(reply, '/login');
      try {
        await factors.verify(pending.userId, request.body.code);
      } catch (error) {
        const { ended } = await sessions.factorFailed(cookie);
        if (ended) return redirectTo(reply, '/login');
        return codePage(request, reply.status(statusOf(error)), request.body.next, (error as Error).message);
      }
      // The waiting session ends; a new one, with a new id, opens (no id survives a step of sign-in).
      await sessions.destroySession(cookie);
      const session = await sessions.createSession(pending.userId, request.ip, undefined, { factorAt: new Date() });
      setSessionCookie(request, reply, session);
      return reply.redirect(safeNext(basePath(request), request.body.next));
    },
  );

  app.register(async (scope) => {
    scope.addHook('preHandler', requireSession);
    const account = scope.withTypeProvider<ZodTypeProvider>();

    async function accountPage(request: FastifyRequest, reply: FastifyReply, error?: string) {
      const principal = principalOf(request);
      const status = await factors.status(principal);
      return renderPage(request, reply, 'second-factor', {
        title: 'Second factor',
        status,
        enrolment: status.enrolling ? await factors.begin(principal) : undefined,
        recoveryCodes: takeRecoveryCodes(request, reply),
        passkeys: await app.tresor.passkeys.list(principal.id),
        error,
      });
    }

    account.get('/account/second-factor', (request, reply) => accountPage(request, reply));

    // Step-up: a current code before a sensitive action (access/step-up.gate.ts); covers 5 minutes.
    account.get('/account/confirm', { schema: uiSchema({ querystring: nextQuery }) }, (request, reply) =>
      renderPage(request, reply, 'confirm-factor', { title: 'Confirm it is you', next: request.query.next }),
    );
    account.post(
      '/account/confirm',
      {
        preHandler: app.csrfProtection,
        schema: uiSchema({ body: codeForm }),
        config: { rateLimit: loginRateLimit(app.tresor.config.loginAttemptsPerMinute) },
      },
      async (request, reply) => {
        const cookie = request.cookies[sessionCookie];
        try {
          await factors.verify(principalOf(request).id, request.body.code);
        } catch (error) {
          return renderPage(request, reply.status(statusOf(error)), 'confirm-factor', {
            title: 'Confirm it is you',
            next: request.body.next,
            error: (error as Error).message,
          });
        }
        if (cookie) await sessions.markFactor(cookie);
        return reply.redirect(safeNext(basePath(request), request.body.next));
      },
    );

    account.post('/account/second-factor/begin', { preHandler: app.csrfProtection }, async (request, reply) =>
      formAction(
        async () => {
          await factors.begin(principalOf(request));
          return redirectTo(reply, '/account/second-factor');
        },
        (message, error) => accountPage(request, reply.status(statusOf(error)), message),
      ),
    );

    account.post(
      '/account/second-factor/confirm',
      { preHandler: app.csrfProtection, schema: uiSchema({ body: form({ code: text(40) }) }) },
      async (request, reply) =>
        formAction(
          async () => {
            const { recoveryCodes } = await factors.confirm(principalOf(request), request.body.code);
            keepRecoveryCodes(request, reply, recoveryCodes);
            return redirectTo(reply, '/account/second-factor');
          },
          (message, error) => accountPage(request, reply.status(statusOf(error)), message),
        ),
    );

    account.post(
      '/account/second-factor/remove',
      { preHandler: app.csrfProtection, schema: uiSchema({ body: form({ code: text(40) }) }) },
      async (request, reply) =>
        formAction(
          async () => {
            await factors.remove(principalOf(request), request.body.code);
            return redirectWith(reply, '/account', 'factor-removed');
          },
          (message, error) => accountPage(request, reply.status(statusOf(error)), message),
        ),
    );
  });
};
