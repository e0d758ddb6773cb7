/**
 * Who is asking: a bearer API token (API) or a session cookie (UI). The request decorator
 * lives app-wide (fastify-plugin); each side adds its own hook inside its own encapsulated
 * context, so the API never reads cookies and the UI never reads bearer tokens, whatever
 * the URL looks like.
 */

import type {} from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { TresorError } from '../../errors.ts';
import type { UserPrincipal } from '../../identity/principal.ts';
import { basePath, redirectTo } from '../paths.ts';
import { preferLocale } from './locale.plugin.ts';

export const sessionCookie = 'tresor_session';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user, if any, with how it signed in (session or token, and the token's scope). */
    principal: UserPrincipal | undefined;
    authenticatedBy: 'token' | 'session' | undefined;
    /** An administrator reset the session user's password: every page leads to the change form first. */
    mustChangePassword: boolean;
    /** The policy asks the session user for a second factor they lack: every page leads to setting one up. */
    mustSetUpFactor: boolean;
  }
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
}

/** The request decorators, once for the whole app. */
export const authPlugin = fp(
  async (app: FastifyInstance) => {
    app.decorateRequest('principal', undefined);
    app.decorateRequest('authenticatedBy', undefined);
    app.decorateRequest('mustChangePassword', false);
    app.decorateRequest('mustSetUpFactor', false);
  },
  { name: 'tresor-auth', dependencies: ['tresor', '@fastify/cookie'] },
);

/** Registered inside the API's context: a bearer token names the principal. */
export async function tokenAuthentication(app: FastifyInstance): Promise<void> {
  app.addHook('onRequest', async (request) => {
    const holder = await app.tresor.sessions.tokenHolder(bearer(request));
    if (!holder) return;
    // A host user the host app no longer knows: their tokens stop with them (asked of the host).
    if (app.tresor.host.connected && !(await app.tresor.host.stillThere(holder.userId))) return;
    request.principal = {
      kind: 'user',
      id: holder.userId,
      via: 'token',
      scope: holder.scope,
      credential: { tokenId: holder.tokenId, expiresAt: holder.expiresAt },
    };
    request.authenticatedBy = 'token';
  });
}

/** The session cookie names the principal, if it is a live session's. */
export async function authenticateBySession(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const holder = await request.server.tresor.sessions.sessionHolder(request.cookies[sessionCookie]);
  if (!holder) return;
  request.principal = {
    kind: 'user',
    id: holder.userId,
    via: 'session',
    scope: 'full',
    credential: { expiresAt: holder.expiresAt, signedInAt: holder.signedInAt, factorAt: holder.factorAt },
  };
  request.authenticatedBy = 'session';
  request.mustChangePassword = holder.mustChangePassword;
  // Single sign-on sessions are left to the provider's own second factor.
  const { factors } = request.server.tresor;
  request.mustSetUpFactor =
    !holder.factorEnrolled &&
    holder.signInSource === null &&
    factors.policy !== 'off' &&
    (await factors.required(holder.userId));
  preferLocale(request, reply, holder.locale);
}

/**
 * The host app says who is signed in (its own session, read its own way): that person, linked
 * to their Tresor user and with their host groups in step, is the principal. Tresor's own
 * session cookie means nothing then.
 */
export async function authenticateByHost(request: FastifyRequest): Promise<void> {
  const identity = request.server.tresorIdentity;
  const user = await identity?.currentUser(request);
  if (!user) return;
  request.principal = await request.server.tresor.host.signedIn(user);
  request.authenticatedBy = 'session';
}

/** Registered inside the UI's context: the session cookie (or the host app) names the principal. */
export async function sessionAuthentication(app: FastifyInstance): Promise<void> {
  app.addHook('onRequest', app.tresorIdentity ? authenticateByHost : authenticateBySession);
}

/** API guard: a live bearer token is required. */
export async function requireToken(request: FastifyRequest): Promise<void> {
  if (!request.principal)
    throw new TresorError('UNAUTHENTICATED', 'Send a valid API token: Authorization: Bearer tsr_…');
}

/** UI guard: a live session is required; otherwise go to the login page and come back. */
export async function requireSession(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (!request.principal) {
    const identity = request.server.tresorIdentity;
    if (identity) {
      await reply.redirect(identity.signInUrl(request.method === 'GET' ? request.url : `${basePath(request)}/secrets`));
      return;
    }
    const next = request.method === 'GET' ? `?next=${encodeURIComponent(request.url)}` : '';
    await redirectTo(reply, `/login${next}`);
    return;
  }
  if (request.mustChangePassword && !request.url.startsWith(`${basePath(request)}/account/password`))
    await redirectTo(reply, '/account/password');
  else if (request.mustSetUpFactor && !request.url.startsWith(`${basePath(request)}/account/second-factor`))
    await redirectTo(reply, '/account/second-factor');
}

/**
 * UI guard for pages whose forms are sensitive (granting permissions, export, minting a full
 * token): a session whose second factor is minutes old confirms it first, then comes back.
 * The services refuse the action itself all the same (access/step-up.gate.ts).
 */
export async function stepUpFirst(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (request.principal && (await request.server.tresor.gate.stepUpNeeded(request.principal)))
    await redirectTo(reply, `/account/confirm?next=${encodeURIComponent(request.url)}`);
}

/** The signed-in principal, for handlers behind a guard. */
export function principalOf(request: FastifyRequest): UserPrincipal {
  if (!request.principal) throw new TresorError('UNAUTHENTICATED', 'Sign in first');
  return request.principal;
}
