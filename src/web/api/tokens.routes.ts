/** /api/v1/tokens and /api/v1/auth/token: bearer tokens, shown once, stored hashed, revocable. */
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf, requireToken } from '../plugins/auth.plugin.ts';
import { loginRateLimit } from '../plugins/login-rate-limit.ts';
import { errorSchema, idParams, json, tokenSchema } from './schemas.ts';

const errors = { 401: errorSchema, 403: errorSchema, 404: errorSchema, 422: errorSchema, 429: errorSchema };

export const tokensRoutes: FastifyPluginAsyncZod = async (app) => {
  const { sessions, users } = app.tresor;

  app.post(
    '/auth/token',
    {
      config: { rateLimit: loginRateLimit(app.tresor.config.loginAttemptsPerMinute) },
      schema: { tags: ['auth'], summary: 'Trade e-mail and password for a token valid one hour (rate-limited)', body: z.object({ email: z.string().max(320), password: z.string().max(1000) }), response: { 200: z.object({ token: z.string(), expiresAt: z.iso.datetime() }), ...errors } },
    },
    async (request) => {
      const user = await users.authenticate(request.body.email, request.body.password, 'token-exchange');
      const issued = await sessions.createShortLivedToken(user.id);
      return { token: issued.token, expiresAt: issued.expiresAt.toISOString() };
    },
  );

  app.register(async (authenticated) => {
    authenticated.addHook('preHandler', requireToken);
    const routes = authenticated.withTypeProvider<ZodTypeProvider>();

    routes.get('/tokens', { schema: { tags: ['auth'], summary: 'Your API tokens (never their values)', response: { 200: z.object({ items: z.array(tokenSchema) }), ...errors } } }, async (request) => ({
      items: (await sessions.tokens(principalOf(request))).map(json),
    }));

    routes.post('/tokens', { schema: { tags: ['auth'], summary: 'Create a token; its value is in this response only', body: z.object({ name: z.string().max(200), expiresInDays: z.number().int().optional() }), response: { 201: tokenSchema.extend({ token: z.string() }), ...errors } } }, async (request, reply) => {
      const created = await sessions.createToken(principalOf(request), request.body);
      reply.status(201);
      return { ...json(created.info), token: created.token };
    });

    routes.delete('/tokens/:id', { schema: { tags: ['auth'], summary: 'Revoke a token (yours, or any with USER_ADMIN)', params: idParams, response: { 204: z.null(), ...errors } } }, async (request, reply) => {
      await sessions.revokeToken(principalOf(request), request.params.id);
      return reply.status(204).send(null);
    });
  });
};
