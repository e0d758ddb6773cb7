/**
 * The secret pages, one file per page in `secrets/` (as the API has one per resource), each
 * with its view model as pure functions beside it. All of them need a session.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { requireSession } from '../plugins/auth.plugin.ts';
import { createPage } from './secrets/create.page.ts';
import { deletePage } from './secrets/delete.page.ts';
import { editPage } from './secrets/edit.page.ts';
import { environmentsPage } from './secrets/environments.page.ts';
import { secretViewPage } from './secrets/secret-view.page.ts';
import { storePage } from './secrets/store.page.ts';
import { typePickerPage } from './secrets/type-picker.page.ts';

export const uiSecretsRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('preHandler', requireSession);
  for (const page of [storePage, typePickerPage, createPage, secretViewPage, editPage, environmentsPage, deletePage])
    await app.register(page);
};
