/**
 * Signing in and out when the host app's identities are connected: Tresor has no login page,
 * password form or session of its own then; both lead to the host's pages.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { basePath } from '../paths.ts';
import { text, uiSchema } from './form-schemas.ts';
import { safeNext } from './safe-next.ts';

const nextQuery = z.object({ next: text(2000) });

export const uiHostSignInRoutes: FastifyPluginAsyncZod = async (app) => {
  const identity = app.tresorIdentity!;

  app.get('/login', { schema: uiSchema({ querystring: nextQuery }) }, async (request, reply) =>
    reply.redirect(identity.signInUrl(safeNext(basePath(request), request.query.next))),
  );

  app.post('/logout', { preHandler: app.csrfProtection }, async (_request, reply) =>
    reply.redirect(identity.signOutUrl),
  );
};
