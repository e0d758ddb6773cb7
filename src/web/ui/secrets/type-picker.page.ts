/** The type picker: only what the gate allows, the types this user may create (403 with none). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf } from '../../plugins/auth.plugin.ts';
import { text, uiSchema } from '../form-schemas.ts';
import { renderPage } from '../render.ts';
import { typeView } from './secret-views.ts';

/** The types whose name, description or id hold every word searched, as the reader sees them (any letter case). */
export function matchingTypes<T extends { id: string; name: string; description: string }>(
  types: readonly T[],
  search: string,
  locale: string,
): T[] {
  const words = search.toLocaleLowerCase(locale).split(/\s+/).filter(Boolean);
  return types.filter((t) => {
    const text = `${t.name} ${t.description} ${t.id}`.toLocaleLowerCase(locale);
    return words.every((w) => text.includes(w));
  });
}

export const typePickerPage: FastifyPluginAsyncZod = async (app) => {
  const { secrets } = app.tresor;

  app.get('/secrets/new', { schema: uiSchema({ querystring: z.object({ q: text(100) }) }) }, async (request, reply) => {
    // Without the permission: 403 (audited). With it, the types this user may create (perhaps none).
    await secrets.mayCreateAny(principalOf(request));
    const types = (await secrets.creatableTypes(principalOf(request))).map((t) => typeView(t, request.locale));
    const search = request.query.q.trim();
    return renderPage(request, reply, 'type-picker', {
      title: 'Create',
      types: matchingTypes(types, search, request.locale),
      search,
      total: types.length,
    });
  });
};
