/** Makes the one Tresor instance (services, registry, config) visible to every route. */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Tresor } from '../../tresor.ts';

declare module 'fastify' {
  interface FastifyInstance {
    tresor: Tresor;
  }
}

export const tresorInstancePlugin = fp(
  async (app: FastifyInstance, options: { tresor: Tresor }) => {
    if (app.hasDecorator('tresor')) throw new Error('Tresor is mounted twice in one context');
    app.decorate('tresor', options.tresor);
  },
  { name: 'tresor' },
);
