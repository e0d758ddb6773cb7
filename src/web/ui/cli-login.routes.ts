/**
 * The web half of `tresor login --browser` (identity/cli-authorization.service.ts): the page
 * that asks the signed-in person to let the CLI sign in as them, and the page that hands the
 * one-time code to the CLI's loopback address. Only 127.0.0.1 is ever sent to, on the port
 * the CLI named: the code goes nowhere else.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ValidationError } from '../../errors.ts';
import { cookiePath, redirectTo } from '../paths.ts';
import { principalOf, requireSession } from '../plugins/auth.plugin.ts';
import { form, text, uiSchema } from './form-schemas.ts';
import { formAction, renderPage } from './render.ts';

const handoffCookie = 'tresor_cli_handoff';
const request = {
  port: text(5),
  state: text(100),
  challenge: text(100),
  name: text(100),
  days: text(5),
  scope: text(10),
};

/** The CLI's request, checked: its loopback port, its state (echoed back), the token it wants. */
function checked(q: Record<keyof typeof request, string>) {
  const port = Number(q.port);
  if (!/^\d{4,5}$/.test(q.port) || port < 1024 || port > 65535)
    throw ValidationError.field('port', 'The CLI’s port must be a number from 1024 to 65535');
  if (!/^[A-Za-z0-9_-]{16,100}$/.test(q.state))
    throw ValidationError.field('state', 'The CLI’s state must be 16 to 100 letters, digits, _ or -');
  const days = q.days === '' ? 30 : Number(q.days);
  if (!Number.isInteger(days) || days < 1 || days > 3650)
    throw ValidationError.field('days', 'The token’s lifetime must be 1 to 3650 days');
  return {
    port,
    state: q.state,
    challenge: q.challenge,
    name: q.name.trim() || 'tresor CLI',
    days,
    scope: q.scope === 'read' ? ('read' as const) : ('full' as const),
  };
}

export const uiCliLoginRoutes: FastifyPluginAsyncZod = async (app) => {
  const { signIn, users } = app.tresor;
  app.addHook('preHandler', requireSession);

  async function page(
    request: FastifyRequest,
    reply: FastifyReply,
    asked: ReturnType<typeof checked>,
    error?: string,
  ): Promise<FastifyReply> {
    const { user } = await users.whoami(principalOf(request));
    return renderPage(request, reply, 'cli-authorize', {
      title: 'Sign in the CLI',
      asked,
      email: user.email,
      signsInElsewhere: user.signsInElsewhere,
      error,
    });
  }

  app.get('/cli/authorize', { schema: uiSchema({ querystring: z.object(request) }) }, async (request, reply) =>
    page(request, reply, checked(request.query)),
  );

  app.post(
    '/cli/authorize',
    { preHandler: app.csrfProtection, schema: uiSchema({ body: form({ ...request, currentPassword: text(1000) }) }) },
    async (request, reply) => {
      const asked = checked(request.body);
      return formAction(
        async () => {
          const { code } = await signIn.cli.approve(principalOf(request), {
            challenge: asked.challenge,
            name: asked.name,
            expiresInDays: asked.days,
            scope: asked.scope,
            currentPassword: request.body.currentPassword,
          });
          // The code waits in a cookie for the next page (post/redirect/get): never in a URL of Tresor's.
          reply.setCookie(handoffCookie, `${asked.port}|${asked.state}|${code}`, {
            path: cookiePath(request),
            httpOnly: true,
            sameSite: 'strict',
            maxAge: 120,
          });
          return redirectTo(reply, '/cli/authorized');
        },
        (message) => page(request, reply.status(422), asked, message),
      );
    },
  );

  // Hands the code to the CLI by a link the page follows at once (a form's redirect to another
  // origin would be stopped by the form-action policy).
  app.get('/cli/authorized', async (request, reply) => {
    const [port, state, code] = (request.cookies[handoffCookie] ?? '').split('|');
    reply.clearCookie(handoffCookie, { path: cookiePath(request) });
    if (!port || !state || !code || !/^\d{4,5}$/.test(port)) return redirectTo(reply, '/secrets');
    const to = `http://127.0.0.1:${port}/callback?${new URLSearchParams({ code, state })}`;
    return renderPage(request, reply, 'cli-authorized', { title: 'CLI signed in', to });
  });
};
