/** The store: the secrets this user has (owned and shared directly), filtered, sorted and paged. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type ListSort, listSorts } from '../../../secrets/secret-inputs.ts';
import { redirectTo } from '../../paths.ts';
import { principalOf } from '../../plugins/auth.plugin.ts';
import { text, uiSchema } from '../form-schemas.ts';
import { renderPage } from '../render.ts';
import { typeView } from './secret-views.ts';
import { linkKeeping, storeColumns, storePageSize, storePages, storeRow } from './store.view.ts';

const storeQuery = z.object({
  type: text(100),
  q: text(200),
  expiring: text(10),
  after: text(200),
  sort: text(20),
  page: text(10),
  space: text(100),
});

export const storePage: FastifyPluginAsyncZod = async (app) => {
  const { secrets, registry, provided, oauth2, spaces } = app.tresor;

  app.get('/', async (_request, reply) => redirectTo(reply, '/secrets'));

  app.get('/secrets', { schema: uiSchema({ querystring: storeQuery }) }, async (request, reply) => {
    const q = request.query;
    const filter = { type: q.type, q: q.q, expiring: q.expiring, space: q.space };
    const days = /^\d{1,4}$/.test(filter.expiring) ? Number(filter.expiring) : undefined;
    const sort: ListSort = (listSorts as readonly string[]).includes(q.sort) ? (q.sort as ListSort) : 'name';
    const pageNumber = sort !== 'name' && /^\d{1,5}$/.test(q.page) && Number(q.page) > 1 ? Number(q.page) : 1;
    const principal = principalOf(request);
    const list = await secrets.list(principal, {
      limit: storePageSize,
      ...(filter.type ? { typeId: filter.type } : {}),
      ...(filter.q ? { text: filter.q } : {}),
      ...(filter.space ? { space: filter.space } : {}),
      ...(days !== undefined ? { expiringBefore: new Date(Date.now() + days * 86_400_000) } : {}),
      ...(sort === 'name' && q.after ? { after: q.after } : {}),
      ...(sort !== 'name' ? { sort, offset: (pageNumber - 1) * storePageSize } : {}),
    });
    const link = linkKeeping(Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== '')));
    // OAuth2 secrets whose grant the server refused are marked (one query for the page).
    const oauth2Ids = list.filter((m) => {
      const type = registry.find(m.type);
      return type?.connects === true;
    });
    const [connections, workplaces, spaceNames] = await Promise.all([
      oauth2.statuses(oauth2Ids.map((m) => m.id)),
      spaces.workplaces(principal),
      spaces.names.of(list.map((m) => m.spaceId)),
    ]);
    const context = { registry, locale: request.locale, me: principal.id, spaceNames };
    return renderPage(request, reply, 'store', {
      title: 'My store',
      secrets: list.map((m) =>
        storeRow(m, { ...context, needsReconnect: connections.get(m.id) === 'needs-reconnect' }),
      ),
      types: registry.list().map((t) => typeView(t, request.locale)),
      filter,
      sort,
      columns: storeColumns(sort, link),
      filtered: Boolean(filter.type || filter.q || filter.expiring || filter.space),
      // Only whoever works in more than one space chooses one: a one-space installation shows no new word.
      spaces: workplaces.length > 1 ? workplaces.map((w) => ({ name: w.name, selected: w.name === filter.space })) : [],
      // Secrets held outside Tresor this user's modules may use: shown, never editable here.
      provided: provided.active
        ? (await provided.visibleTo(principal)).map((p) => ({
            ...p,
            from: p.provider === 'env' ? 'environment' : 'mounted files',
          }))
        : [],
      ...storePages(list, { sort, pageNumber, after: q.after }, link),
    });
  });
};
