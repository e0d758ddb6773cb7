/**
 * Security headers (helmet), with the policy built once at start. @fastify/helmet builds
 * helmet's middleware again on every request, parsing the CSP directives each time (5 % of
 * a warm listing's CPU, measured); here the middleware is built once and run per request.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import helmet from 'helmet';

export function securityHeaders(app: FastifyInstance, https: boolean): void {
  const apply = helmet({
    contentSecurityPolicy: {
      // upgrade-insecure-requests only under HTTPS: over plain HTTP on a LAN address it would send the browser to a
      // port that does not speak TLS.
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        // Remote type logos are proxied from Tresor's own origin (ui/remote-logos.ts).
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        upgradeInsecureRequests: https ? [] : null,
      },
    },
    hsts: https ? undefined : false,
  });
  app.addHook('onRequest', (request, reply, done) => {
    // helmet throws rather than passing an error on (since 8.1): the callback only continues.
    apply(request.raw, reply.raw, () => done());
  });
}

/**
 * Lets this page's forms lead to `origin` too (form-action): a form whose POST Tresor answers
 * with a redirect there — OAuth2's Connect, to the authorization server — is otherwise stopped
 * by the browser. Only the page that offers such a form, only that origin.
 */
export function allowFormTarget(reply: FastifyReply, origin: string): void {
  const policy = reply.raw.getHeader('content-security-policy');
  if (typeof policy !== 'string' || !/^https:\/\/[^\s;',]+$/.test(origin)) return;
  reply.raw.setHeader('content-security-policy', policy.replace("form-action 'self'", `form-action 'self' ${origin}`));
}
