/**
 * /api/v1/secrets/:id/oauth2: an OAuth2 secret's connection — its state, never a token — and
 * forgetting it. Connecting happens in the browser (the state is bound to a signed-in
 * session): the web UI's Connect button.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { connectionJson } from '../../oauth2/connection-view.ts';
import { principalOf, requireToken } from '../plugins/auth.plugin.ts';
import { errorSchema, idParams } from './schemas.ts';

const errors = { 401: errorSchema, 403: errorSchema, 404: errorSchema, 422: errorSchema };

const connectionSchema = z.object({
  status: z.enum(['connected', 'needs-reconnect', 'not-connected']),
  grant: z.enum(['authorization_code', 'client_credentials']),
  scopes: z.string(),
  account: z.string().nullable(),
  accessExpiresAt: z.iso.datetime().nullable(),
  connectedAt: z.iso.datetime().nullable(),
  refreshedAt: z.iso.datetime().nullable(),
});

export const oauth2Routes: FastifyPluginAsyncZod = async (app) => {
  const { oauth2, secrets } = app.tresor;
  app.addHook('preHandler', requireToken);

  app.get(
    '/secrets/:id/oauth2',
    {
      schema: {
        tags: ['secrets'],
        summary: 'An OAuth2 secret’s connection: connected, needs-reconnect or not-connected (never a token)',
        params: idParams,
        response: { 200: connectionSchema, ...errors },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { fields } = await secrets.describe(principal, request.params.id);
      return connectionJson(await oauth2.status(principal, request.params.id, fields));
    },
  );

  app.delete(
    '/secrets/:id/oauth2',
    {
      schema: {
        tags: ['secrets'],
        summary: 'Forget the connection (whoever may change the secret); modules are refused it until connected again',
        params: idParams,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await oauth2.disconnect(principalOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
};
