/** The signed-in user's own account: changing the password (with the current one). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf, requireSession, sessionCookie } from '../plugins/auth.plugin.ts';
import { redirectWith } from './flash.ts';
import { cookiePath } from './paths.ts';
import { formAction, renderPage } from './render.ts';

const passwordForm = z.object({
  _csrf: z.string().optional(),
  currentPassword: z.string().max(1000).default(''),
  password: z.string().max(1000).default(''),
});

export const uiAccountRoutes: FastifyPluginAsyncZod = async (app) => {
  const { users, sessions } = app.tresor;
  app.addHook('preHandler', requireSession);

  app.get('/account/password', async (request, reply) =>
    renderPage(request, reply, 'account-password', {
      title: 'Change your password',
      forced: request.mustChangePassword,
    }),
  );

  app.post(
    '/account/password',
    { preHandler: app.csrfProtection, schema: { body: passwordForm } },
    async (request, reply) => {
      const principal = principalOf(request);
      return formAction(
        async () => {
          await users.setPassword(principal, principal.id, request.body.password, {
            currentPassword: request.body.currentPassword,
          });
          // Every session ended with the change (this one too): sign in again with the new password.
          await sessions.destroySession(request.cookies[sessionCookie]);
          reply.clearCookie(sessionCookie, { path: cookiePath(request) });
          return redirectWith(reply, '/login', 'password-changed');
        },
        (message) =>
          renderPage(request, reply.status(422), 'account-password', {
            title: 'Change your password',
            forced: request.mustChangePassword,
            error: message,
          }),
      );
    },
  );
};
