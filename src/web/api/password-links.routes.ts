/**
 * /api/v1/auth/password-reset and /api/v1/auth/password: the public half of mailed links
 * (identity/account-link.service.ts) — asking for a reset link, and choosing a password with
 * a link's token. Neither needs a token; both are rate-limited per client address.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { resetRequestedAnswer } from '../../identity/account-link.service.ts';
import { loginRateLimit } from '../plugins/login-rate-limit.ts';
import { errorSchema } from './schemas.ts';

const errors = { 401: errorSchema, 422: errorSchema, 429: errorSchema };

export const passwordLinksRoutes: FastifyPluginAsyncZod = async (app) => {
  const { accounts, config } = app.tresor;

  app.post(
    '/auth/password-reset',
    {
      config: { rateLimit: loginRateLimit(config.loginAttemptsPerMinute) },
      schema: {
        tags: ['auth'],
        summary:
          'Forgotten password: mails a link (an hour) to the account, if there is one; the same answer either way',
        body: z.object({ email: z.string().max(320) }),
        response: { 202: z.object({ message: z.string() }), ...errors },
      },
    },
    async (request, reply) => {
      await accounts.requestReset(request.body.email);
      reply.status(202);
      return { message: resetRequestedAnswer };
    },
  );

  app.post(
    '/auth/password',
    {
      config: { rateLimit: loginRateLimit(config.loginAttemptsPerMinute) },
      schema: {
        tags: ['auth'],
        summary:
          'Choose a password with a mailed link’s token (an invitation or a reset): once; ends every session ' +
          'and token of the account',
        body: z.object({ token: z.string().max(200), password: z.string().max(1000) }),
        response: { 200: z.object({ email: z.string() }), ...errors },
      },
    },
    async (request) => accounts.choosePassword(request.body.token, request.body.password),
  );
};
