/**
 * Who is asking: a bearer API token (API) or a session cookie (UI). The principal is
 * resolved once per request; routes choose which kind they accept with the guards below.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type {} from '@fastify/cookie';
import fp from 'fastify-plugin';
import { TresorError } from '../../errors.ts';
import type { Principal } from '../../identity/principal.ts';

export const sessionCookie = 'tresor_session';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user, if any. */
    principal: (Principal & { kind: 'user' }) | undefined;
    authenticatedBy: 'token' | 'session' | undefined;
  }
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
}

export const authPlugin = fp(
  async (app: FastifyInstance) => {
    app.decorateRequest('principal', undefined);
    app.decorateRequest('authenticatedBy', undefined);
    app.addHook('onRequest', async (request) => {
      const isApi = request.url.startsWith('/api/');
      const userId = isApi ? await app.tresor.sessions.tokenUser(bearer(request)) : await app.tresor.sessions.sessionUser(request.cookies[sessionCookie]);
      if (userId) {
        request.principal = { kind: 'user', id: userId };
        request.authenticatedBy = isApi ? 'token' : 'session';
      }
    });
  },
  { name: 'tresor-auth', dependencies: ['tresor', '@fastify/cookie'] },
);

/** API guard: a live bearer token is required. */
export async function requireToken(request: FastifyRequest): Promise<void> {
  if (!request.principal) throw new TresorError('UNAUTHENTICATED', 'Send a valid API token: Authorization: Bearer tsr_…');
}

/** UI guard: a live session is required; otherwise go to the login page and come back. */
export async function requireSession(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (!request.principal) {
    const next = request.method === 'GET' ? `?next=${encodeURIComponent(request.url)}` : '';
    await reply.redirect(`/login${next}`);
  }
}

/** The signed-in principal, for handlers behind a guard. */
export function principalOf(request: FastifyRequest): Principal & { kind: 'user' } {
  if (!request.principal) throw new TresorError('UNAUTHENTICATED', 'Sign in first');
  return request.principal;
}
