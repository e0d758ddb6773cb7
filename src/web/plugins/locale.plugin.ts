/**
 * The locale of each request, negotiated from `Accept-Language` against the locales the
 * registered types and Tresor's messages speak (English when nothing matches); in the web
 * UI, a signed-in user's own choice of language wins (`preferLocale`). Forms, type
 * descriptions and validation errors are worded in it; the response says which
 * (`Content-Language`) and that it depends on the header (`Vary`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { type Locale, sourceLocale } from '../../i18n/locale.ts';
import { negotiateLocale } from '../../i18n/negotiate.ts';

declare module 'fastify' {
  interface FastifyRequest {
    locale: Locale;
  }
}

export const localePlugin = fp(
  async (app: FastifyInstance) => {
    const { registry } = app.tresor;
    app.decorateRequest('locale', sourceLocale);
    app.addHook('onRequest', async (request, reply) => {
      request.locale = negotiateLocale(request.headers['accept-language'], registry.locales());
      reply.header('Content-Language', request.locale).header('Vary', 'Accept-Language');
    });
  },
  { name: 'tresor-locale', dependencies: ['tresor'] },
);

/** The signed-in user's chosen language, if Tresor still speaks it, instead of the browser's. */
export function preferLocale(request: FastifyRequest, reply: FastifyReply, chosen: Locale | null): void {
  if (!chosen || !request.server.tresor.registry.locales().includes(chosen)) return;
  request.locale = chosen;
  reply.header('Content-Language', chosen);
}
