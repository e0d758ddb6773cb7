/**
 * The locale of each request, negotiated once from `Accept-Language` against the locales
 * the registered types and Tresor's messages speak (English when nothing matches). Forms,
 * type descriptions and validation errors are worded in it; the response says which
 * (`Content-Language`) and that it depends on the header (`Vary`).
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { type Locale, negotiateLocale, sourceLocale } from '../../i18n/locale.ts';

declare module 'fastify' {
  interface FastifyRequest {
    locale: Locale;
  }
}

export const localePlugin = fp(
  async (app: FastifyInstance) => {
    const available = [...new Set(app.tresor.registry.list().flatMap((type) => type.locales))];
    app.decorateRequest('locale', sourceLocale);
    app.addHook('onRequest', async (request, reply) => {
      request.locale = negotiateLocale(request.headers['accept-language'], available);
      reply.header('Content-Language', request.locale).header('Vary', 'Accept-Language');
    });
  },
  { name: 'tresor-locale', dependencies: ['tresor'] },
);
