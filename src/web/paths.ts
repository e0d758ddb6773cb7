/**
 * Where the UI lives: at the root of its own server, or under the prefix an embedding app
 * mounted Tresor at (`app.register(tresorPlugin, { tresor, prefix: '/vault' })`). Every
 * redirect, cookie path and link of the UI goes through here, so none points outside it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HostIdentity, TresorLayout } from './host-identity.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The prefix Tresor is mounted at ('' at the root). */
    tresorBase: string;
    /** How pages look: Tresor's layout, bare, or the host's (`tresorPlugin`'s `layout`). */
    tresorLayout: TresorLayout;
    /** The host's identities, when the host signs people in (`tresorPlugin`'s `identity`). */
    tresorIdentity: HostIdentity | null;
  }
}

export function basePath(request: FastifyRequest): string {
  return request.server.tresorBase;
}

/** Redirects to a path of the UI (`/secrets`), under the mount prefix. */
export function redirectTo(reply: FastifyReply, path: string): FastifyReply {
  return reply.redirect(`${basePath(reply.request)}${path}`);
}

/** The path Tresor's cookies are scoped to under `base`: its own prefix, never the embedding app's other pages. */
export function cookiePathOf(base: string): string {
  return base || '/';
}

export function cookiePath(request: FastifyRequest): string {
  return cookiePathOf(basePath(request));
}
