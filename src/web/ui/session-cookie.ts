/** The session cookie, set the same way by every sign-in (password, code, passkey, single sign-on). */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { cookiePath } from '../paths.ts';
import { sessionCookie } from '../plugins/auth.plugin.ts';

export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  session: { cookie: string; expiresAt: Date },
): void {
  reply.setCookie(sessionCookie, session.cookie, {
    path: cookiePath(request),
    httpOnly: true,
    sameSite: 'lax',
    secure: Boolean(request.server.tresor.config.tlsCert),
    expires: session.expiresAt,
  });
}
