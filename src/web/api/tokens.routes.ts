/** /api/v1/tokens and /api/v1/auth/token: bearer tokens, shown once, stored hashed, revocable. */
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AccessDeniedError } from '../../errors.ts';
import type { ApiToken } from '../../identity/session.service.ts';
import { principalOf, requireToken } from '../plugins/auth.plugin.ts';
import { loginRateLimit } from '../plugins/login-rate-limit.ts';
import { errorSchema, idParams, json, tokenSchema } from './schemas.ts';

const errors = { 401: errorSchema, 403: errorSchema, 404: errorSchema, 422: errorSchema, 429: errorSchema };

/** A token traded for credentials or a CLI code, as answered once (it always expires). */
const issuedToken = (issued: { token: string; info: ApiToken }) => ({
  id: issued.info.id,
  token: issued.token,
  expiresAt: issued.info.expiresAt!.toISOString(),
  scope: issued.info.scope,
});

export const tokensRoutes: FastifyPluginAsyncZod = async (app) => {
  const { sessions, signIn, factors } = app.tresor;

  app.post(
    '/auth/token',
    {
      config: { rateLimit: loginRateLimit(app.tresor.config.loginAttemptsPerMinute) },
      schema: {
        tags: ['auth'],
        summary:
          'Trade e-mail and password for a token: one hour unless expiresInDays says otherwise (rate-limited, audited)',
        body: z.object({
          email: z.string().max(320),
          password: z.string().max(1000),
          /** The authenticator app's current code (or a recovery code), for an account with a second factor. */
          code: z.string().max(40).optional(),
          name: z.string().max(200).optional(),
          expiresInDays: z.number().int().optional(),
          scope: z.enum(['read', 'full']).optional(),
        }),
        response: {
          200: z.object({
            id: z.string(),
            token: z.string(),
            expiresAt: z.iso.datetime(),
            scope: z.enum(['read', 'full']),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { email, password, code, ...wanted } = request.body;
      const user = await signIn.password(email, password, 'token-exchange');
      await factors.tokenExchange(user.id, code);
      if (user.mustChangePassword)
        throw new AccessDeniedError(
          'An administrator reset your password: sign in to the web UI and choose a new one first',
        );
      return issuedToken(await sessions.createTokenForCredentials(user.id, wanted));
    },
  );

  app.post(
    '/auth/cli-token',
    {
      config: { rateLimit: loginRateLimit(app.tresor.config.loginAttemptsPerMinute) },
      schema: {
        tags: ['auth'],
        summary:
          'Trade the one-time code a browser approved (tresor login --browser) and its verifier for a token ' +
          '(once, within two minutes; audited)',
        body: z.object({ code: z.string().max(200), verifier: z.string().max(200) }),
        response: {
          200: z.object({
            id: z.string(),
            token: z.string(),
            expiresAt: z.iso.datetime(),
            scope: z.enum(['read', 'full']),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      return issuedToken(await signIn.cli.exchange(request.body));
    },
  );

  app.register(async (authenticated) => {
    authenticated.addHook('preHandler', requireToken);
    const routes = authenticated.withTypeProvider<ZodTypeProvider>();

    routes.get(
      '/tokens',
      {
        schema: {
          tags: ['auth'],
          summary: 'Your API tokens (never their values)',
          response: { 200: z.object({ items: z.array(tokenSchema) }), ...errors },
        },
      },
      async (request) => ({
        items: (await sessions.tokens(principalOf(request))).map(json),
      }),
    );

    routes.post(
      '/tokens',
      {
        schema: {
          tags: ['auth'],
          summary: 'Create a token; its value is in this response only',
          body: z.object({
            name: z.string().max(200),
            expiresInDays: z.number().int().optional(),
            scope: z.enum(['read', 'full']).optional(),
          }),
          response: { 201: tokenSchema.extend({ token: z.string() }), ...errors },
        },
      },
      async (request, reply) => {
        const created = await sessions.createToken(principalOf(request), request.body);
        reply.status(201);
        return { ...json(created.info), token: created.token };
      },
    );

    routes.delete(
      '/tokens/:id',
      {
        schema: {
          tags: ['auth'],
          summary: 'Revoke a token (yours, or any with USER_ADMIN)',
          params: idParams,
          response: { 204: z.null(), ...errors },
        },
      },
      async (request, reply) => {
        await sessions.revokeToken(principalOf(request), request.params.id);
        return reply.status(204).send(null);
      },
    );
  });
};
