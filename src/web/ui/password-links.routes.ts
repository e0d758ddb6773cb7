/**
 * The pages of mailed links (identity/account-link.service.ts): "Forgot your password?" and
 * the page a link opens, where the person chooses a password. Public: the link's token is
 * the proof. The token reaches the page in the mailed URL, then travels in the form only;
 * pages carry no referrer, so it never leaves for another site.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { redirectTo } from '../paths.ts';
import { loginRateLimit } from '../plugins/login-rate-limit.ts';
import { redirectWith } from './flash.ts';
import { form, sameTwice, text, uiSchema } from './form-schemas.ts';
import { formAction, renderPage, statusOf } from './render.ts';

const tokenQuery = z.object({ token: text(200) });
const chooseForm = form({ token: text(200), password: text(1000), confirm: text(1000) });

export const uiPasswordLinksRoutes: FastifyPluginAsyncZod = async (app) => {
  const { accounts, config } = app.tresor;

  app.get('/forgot-password', async (request, reply) => {
    if (request.principal) return redirectTo(reply, '/account');
    return renderPage(request, reply, 'forgot-password', { title: 'Forgot your password?' });
  });

  app.post(
    '/forgot-password',
    {
      preHandler: app.csrfProtection,
      schema: uiSchema({ body: form({ email: text(1000) }) }),
      config: { rateLimit: loginRateLimit(config.loginAttemptsPerMinute) },
    },
    async (request, reply) => {
      await accounts.requestReset(request.body.email);
      return redirectWith(reply, '/login', 'reset-requested');
    },
  );

  async function choosePage(request: FastifyRequest, reply: FastifyReply, token: string, error?: string) {
    try {
      const link = await accounts.inspect(token);
      return await renderPage(request, reply, 'choose-password', {
        title: link.purpose === 'invite' ? 'Welcome to Tresor' : 'Choose a new password',
        invite: link.purpose === 'invite',
        email: link.email,
        expiresAt: link.expiresAt.toISOString(),
        token,
        error,
      });
    } catch (problem) {
      return renderPage(request, reply.status(statusOf(problem)), 'choose-password', {
        title: 'This link does not work',
        dead: problem instanceof Error ? problem.message : 'This link does not work',
      });
    }
  }

  app.get('/password/choose', { schema: uiSchema({ querystring: tokenQuery }) }, async (request, reply) =>
    choosePage(request, reply, request.query.token),
  );

  app.post(
    '/password/choose',
    {
      preHandler: app.csrfProtection,
      schema: uiSchema({ body: chooseForm }),
      config: { rateLimit: loginRateLimit(config.loginAttemptsPerMinute) },
    },
    async (request, reply) => {
      const b = request.body;
      return formAction(
        async () => {
          sameTwice(b.password, b.confirm);
          await accounts.choosePassword(b.token, b.password);
          return redirectWith(reply, '/login', 'password-chosen');
        },
        (message, error) => choosePage(request, reply.status(statusOf(error)), b.token, message),
      );
    },
  );
};
