/** The signed-in user's own account: the language the UI speaks, and changing the password (with the current one). */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { defaultSpaceName } from '../../secrets/secret-rules.ts';
import { cookiePath } from '../paths.ts';
import { principalOf, requireSession, sessionCookie } from '../plugins/auth.plugin.ts';
import { redirectWith } from './flash.ts';
import { sameTwice, text } from './form-schemas.ts';
import { formAction, renderPage, statusOf } from './render.ts';

const languageForm = z.object({ _csrf: z.string().optional(), locale: z.string().max(40).default('') });

/** Each locale by its own name (Deutsch, English), so a reader finds theirs whatever the page speaks. */
function languageChoices(locales: readonly string[], chosen: string | null) {
  return locales.map((locale) => ({
    locale,
    name: new Intl.DisplayNames([locale], { type: 'language' }).of(locale) ?? locale,
    selected: locale === chosen,
  }));
}

const passwordForm = z.object({
  _csrf: z.string().optional(),
  currentPassword: z.string().max(1000).default(''),
  password: z.string().max(1000).default(''),
  confirm: z.string().max(1000).default(''),
});

export const uiAccountRoutes: FastifyPluginAsyncZod = async (app) => {
  const { users, sessions, spaces } = app.tresor;
  app.addHook('preHandler', requireSession);

  const accountPage = async (request: FastifyRequest, reply: FastifyReply, error?: string) => {
    const principal = principalOf(request);
    const user = await users.get(principal, principal.id);
    // Whoever works in more than one space chooses where their bare names resolve (one space: no new word).
    const [workplaces, home] = await Promise.all([spaces.workplaces(principal), spaces.defaultSpace(principal)]);
    return renderPage(request, reply, 'account', {
      homeChoices:
        workplaces.length > 1
          ? workplaces.map((w) => ({ name: w.name, selected: w.name === (home ?? defaultSpaceName) }))
          : undefined,
      title: 'Your account',
      user,
      languages: languageChoices(app.tresor.registry.locales(), user.locale),
      browserChoice: user.locale === null,
      // Signed in by the host app: passwords and second factors are the host's, not offered here.
      hosted: app.tresorIdentity !== null,
      error,
    });
  };

  app.get('/account', async (request, reply) => accountPage(request, reply));

  app.post(
    '/account/language',
    { preHandler: app.csrfProtection, schema: { body: languageForm } },
    async (request, reply) =>
      formAction(
        async () => {
          await users.setLocale(principalOf(request), request.body.locale);
          return redirectWith(reply, '/account', 'language-saved');
        },
        (message) => accountPage(request, reply.status(422), message),
      ),
  );

  app.post(
    '/account/default-space',
    { preHandler: app.csrfProtection, schema: { body: z.object({ _csrf: z.string().optional(), space: text(100) }) } },
    async (request, reply) =>
      formAction(
        async () => {
          await spaces.setDefaultSpace(principalOf(request), request.body.space || null);
          return redirectWith(reply, '/account', 'default-space-saved');
        },
        (message, error) => accountPage(request, reply.status(statusOf(error)), message),
      ),
  );

  if (app.tresorIdentity) return;

  /**
   * What a new password ends, said before it is chosen: every session, and every API token the
   * user has (the CLI's login too) — scripts stop until they get new ones.
   */
  const activeTokens = async (request: FastifyRequest) => {
    const now = Date.now();
    return (await sessions.tokens(principalOf(request))).filter(
      (t) => !t.revokedAt && (!t.expiresAt || t.expiresAt.getTime() > now),
    );
  };
  const passwordPage = async (request: FastifyRequest, reply: FastifyReply, error?: string) => {
    const tokens = await activeTokens(request);
    return renderPage(request, reply, 'account-password', {
      title: 'Change your password',
      forced: request.mustChangePassword,
      tokens: tokens.map((t) => t.name),
      error,
    });
  };

  app.get('/account/password', (request, reply) => passwordPage(request, reply));

  app.post(
    '/account/password',
    { preHandler: app.csrfProtection, schema: { body: passwordForm } },
    async (request, reply) => {
      const principal = principalOf(request);
      const ending = (await activeTokens(request)).length;
      return formAction(
        async () => {
          sameTwice(request.body.password, request.body.confirm);
          await users.setPassword(principal, principal.id, request.body.password, {
            currentPassword: request.body.currentPassword,
          });
          // Every session ended with the change (this one too): sign in again with the new password.
          await sessions.destroySession(request.cookies[sessionCookie]);
          reply.clearCookie(sessionCookie, { path: cookiePath(request) });
          return redirectWith(reply, '/login', ending > 0 ? 'password-changed-tokens-ended' : 'password-changed');
        },
        (message) => passwordPage(request, reply.status(422), message),
      );
    },
  );
};
