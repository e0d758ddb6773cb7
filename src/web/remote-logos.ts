/**
 * Logos that work offline and never leak the visitor to a third party: a type whose logo is
 * an `https://` URL has it fetched by the server (through the egress policy, bounded, once,
 * cached) and served from Tresor's own origin, so the CSP allows images from 'self' and
 * data: only. Only logos of registered types can be fetched: the path is a digest of a
 * declared URL, so the route cannot be pointed anywhere else. A logo that cannot be
 * fetched is replaced by the bundled generic one.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { outboundCa } from '../net/outbound-ca.ts';
import { outboundHttps } from '../net/outbound-https.ts';
import { packageRoot } from '../package-root.ts';

/** The path a remote logo is served at, under the UI's base. */
export const remoteLogoPath = (url: string) =>
  `/logos/remote/${createHash('sha256').update(url).digest('hex').slice(0, 32)}`;

const imageTypes = new Set(['image/svg+xml', 'image/png', 'image/jpeg', 'image/webp', 'image/gif']);
const maxBytes = 256 * 1024;
const okForMs = 24 * 60 * 60 * 1000;
const failedForMs = 10 * 60 * 1000;

interface Cached {
  contentType: string;
  body: Buffer;
  until: number;
}

export const remoteLogosRoutes: FastifyPluginAsync = async (app) => {
  const { registry, moduleContext, config } = app.tresor;
  const fallback: Cached = {
    contentType: 'image/svg+xml',
    body: readFileSync(join(packageRoot, 'credential-types', 'logos', 'generic.svg')),
    until: Number.POSITIVE_INFINITY,
  };
  const cache = new Map<string, Cached>();
  const inFlight = new Map<string, Promise<Cached>>();
  const ca = outboundCa(config);

  async function fetchLogo(url: string): Promise<Cached> {
    try {
      const answer = await outboundHttps({
        url: new URL(url),
        egress: moduleContext.egress,
        ca,
        timeoutMs: 5000,
        maxBodyBytes: maxBytes,
        headers: { accept: [...imageTypes].join(', ') },
      });
      const contentType = (answer.contentType ?? '').split(';')[0]!.trim().toLowerCase();
      if (answer.status !== 200 || !imageTypes.has(contentType) || answer.body.length === 0)
        throw new Error('not an image');
      return { contentType, body: answer.body, until: Date.now() + okForMs };
    } catch {
      return { ...fallback, until: Date.now() + failedForMs };
    }
  }

  app.get<{ Params: { key: string } }>('/logos/remote/:key', async (request, reply) => {
    const url = registry
      .list()
      .map((t) => t.definition.logo)
      .find((logo) => logo.startsWith('https:') && remoteLogoPath(logo) === `/logos/remote/${request.params.key}`);
    if (!url) return reply.status(404).type('text/plain').send('No such logo');
    let logo = cache.get(url);
    if (!logo || logo.until < Date.now()) {
      let pending = inFlight.get(url);
      if (!pending) {
        pending = fetchLogo(url).finally(() => inFlight.delete(url));
        inFlight.set(url, pending);
      }
      logo = await pending;
      cache.set(url, logo);
    }
    // An SVG shown as <img> runs no script; opened directly, this policy keeps it inert too.
    return reply
      .type(logo.contentType)
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
      .send(logo.body);
  });
};
