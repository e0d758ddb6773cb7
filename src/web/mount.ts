/**
 * `tresorPlugin` as the package exports it: the web layer (fastify plugins, templates,
 * OpenAPI) loads when an app mounts Tresor, not when a credential type imports `tresor`.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { TresorPluginOptions } from './app.ts';

export type { TresorPluginOptions } from './app.ts';

export const tresorPlugin: FastifyPluginAsync<TresorPluginOptions> = async (app, options) => {
  const web = await import('./app.ts');
  await web.tresorPlugin(app, options);
};
