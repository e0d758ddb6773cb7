/**
 * Tresor over HTTP, built from one Tresor instance: security plugins, the REST API under
 * /api/v1 (bearer tokens, JSON, OpenAPI at /api/docs), and the server-rendered UI (sessions,
 * CSRF-protected forms). Routes only translate; the services decide.
 *
 * `tresorPlugin` is all of it as one encapsulated fastify plugin, so an app can mount Tresor
 * in its own server under a prefix (`app.register(tresorPlugin, { tresor, prefix: '/vault' })`):
 * its hooks, parsers, error pages, CSP and cookies stay inside that prefix. `buildApp` is
 * Tresor's own server: the plugin at the root of a fastify instance with Tresor's settings.
 */
import { randomUUID } from 'node:crypto';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyServerOptions,
  LogController,
} from 'fastify';
import { jsonSchemaTransform, validatorCompiler } from 'fastify-type-provider-zod';
import qs from 'qs';
import { auditContext } from '../audit/audit-context.ts';
import { readFresh } from '../cluster/read-cache.ts';
import { MalformedInputError } from '../errors.ts';
import { malformedPath } from '../text/well-formed.ts';
import type { Tresor } from '../tresor.ts';
import { adminRoutes } from './api/admin.routes.ts';
import { auditRoutes } from './api/audit.routes.ts';
import { connectionTestsRoutes } from './api/connection-tests.routes.ts';
import { credentialTypesRoutes } from './api/credential-types.routes.ts';
import { environmentsRoutes } from './api/environments.routes.ts';
import { noticesRoutes } from './api/notices.routes.ts';
import { oauth2Routes } from './api/oauth2.routes.ts';
import { passwordLinksRoutes } from './api/password-links.routes.ts';
import { providedRoutes } from './api/provided.routes.ts';
import { secretsRoutes } from './api/secrets.routes.ts';
import { sharesRoutes } from './api/shares.routes.ts';
import { spacesRoutes } from './api/spaces.routes.ts';
import { tokensRoutes } from './api/tokens.routes.ts';
import { transferRoutes } from './api/transfer.routes.ts';
import { webhooksRoutes } from './api/webhooks.routes.ts';
import type { HostIdentity, TresorLayout } from './host-identity.ts';
import { cookiePathOf } from './paths.ts';
import { authPlugin, sessionAuthentication, tokenAuthentication } from './plugins/auth.plugin.ts';
import { errorsPlugin, jsonErrors } from './plugins/errors.plugin.ts';
import { localePlugin } from './plugins/locale.plugin.ts';
import { tresorInstancePlugin } from './plugins/tresor.plugin.ts';
import { viewsPlugin } from './plugins/views.plugin.ts';
import { remoteLogosRoutes } from './remote-logos.ts';
import { scimRoutes } from './scim/scim.routes.ts';
import { securityHeaders } from './security-headers.ts';
import { serializerCompiler } from './serializer.ts';
import { uiAccountRoutes } from './ui/account.routes.ts';
import { uiAdminRoutes } from './ui/admin.routes.ts';
import { uiAdminAuditRoutes } from './ui/admin-audit.routes.ts';
import { uiAuthRoutes } from './ui/auth.routes.ts';
import { uiCliLoginRoutes } from './ui/cli-login.routes.ts';
import { uiHostSignInRoutes } from './ui/host-sign-in.routes.ts';
import { uiOAuth2Routes } from './ui/oauth2.routes.ts';
import { uiPasskeyRoutes } from './ui/passkey.routes.ts';
import { uiPasswordLinksRoutes } from './ui/password-links.routes.ts';
import { renderErrorPage } from './ui/render.ts';
import { uiSecondFactorRoutes } from './ui/second-factor.routes.ts';
import { uiSecretsRoutes } from './ui/secrets.routes.ts';
import { uiSharingRoutes } from './ui/sharing.routes.ts';
import { uiSpacesRoutes } from './ui/spaces.routes.ts';
import { uiSsoRoutes } from './ui/sso.routes.ts';
import { uiTokensRoutes } from './ui/tokens.routes.ts';
import { uiTransferRoutes } from './ui/transfer.routes.ts';
import { uiWebhooksRoutes } from './ui/webhooks.routes.ts';

export interface AppOptions {
  /** fastify's logger option: a pino instance, or false (tests). */
  logger?: FastifyServerOptions['loggerInstance'] | false;
  https?: { cert: Buffer; key: Buffer };
}

export interface TresorPluginOptions {
  tresor: Tresor;
  /** Set when Tresor's own server speaks HTTPS: HSTS, secure cookies, upgrade-insecure-requests. */
  https?: boolean;
  /**
   * The host app's identities: its users sign in at the host, never at Tresor (no login page,
   * no Tresor session), and its groups become Tresor groups managed by `host`.
   */
  identity?: HostIdentity;
  /** How the pages look: `'tresor'` (default), `'bare'`, or the host's layout function. */
  layout?: TresorLayout;
}

export async function buildApp(tresor: Tresor, options: AppOptions = {}): Promise<FastifyInstance> {
  const loggerOptions =
    options.logger === false || options.logger === undefined
      ? { logger: false as const }
      : { loggerInstance: options.logger };
  const app = Fastify({
    ...loggerOptions,
    ...(options.https ? { https: options.https } : {}),
    bodyLimit: 1024 * 1024,
    genReqId: () => randomUUID(),
    // Two info lines per request cost ~16 % of a cached read's throughput; requests are logged
    // at debug level instead (below), errors always.
    logController: new LogController({ disableRequestLogging: true }),
    // X-Forwarded-For counts only from the configured load balancers (TRESOR_TRUSTED_PROXIES).
    trustProxy: tresor.config.trustedProxies.length > 0 ? tresor.config.trustedProxies : false,
    routerOptions: { maxParamLength: 200 },
  }) as unknown as FastifyInstance;
  await app.register(tresorPlugin, { tresor, https: Boolean(options.https) });
  return app;
}

/** Tresor's API and UI as one plugin; register it with a `prefix` to mount it under a path. */
export const tresorPlugin: FastifyPluginAsync<TresorPluginOptions> = async (app, pluginOptions) => {
  const { tresor } = pluginOptions;
  const options = { https: pluginOptions.https === true };
  app.decorate('tresorBase', app.prefix);
  const layout = pluginOptions.layout ?? 'tresor';
  // A getter: fastify would take a function value for one.
  app.decorate('tresorLayout', { getter: () => layout });
  app.decorate('tresorIdentity', pluginOptions.identity ?? null);
  if (pluginOptions.identity) await tresor.host.connect(pluginOptions.identity);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(tresorInstancePlugin, { tresor });
  // Every audit row written while serving a request carries its id and client address. A request
  // with X-Tresor-After reads from the database, never this node's cache: it sees every change
  // committed before it, on any node (read-your-writes across nodes).
  app.addHook('onRequest', (request, _reply, done) => {
    const serve = () => auditContext.run({ requestId: request.id, clientAddress: request.ip }, done);
    if (request.headers['x-tresor-after'] !== undefined) readFresh(serve);
    else serve();
  });
  await app.register(errorsPlugin, { errorPage: renderErrorPage });
  // Text no field can hold (a lone UTF-16 surrogate) is refused before any route or service
  // reads it, naming where it was, and the refusal is on the trail.
  app.addHook('preValidation', async (request) => {
    const field =
      malformedPath(request.params, 'params') ??
      malformedPath(request.query, 'querystring') ??
      malformedPath(request.body, 'body');
    if (!field) return;
    await tresor.refusals.malformed(request.principal, `${request.method} ${request.routeOptions.url ?? ''}`, field);
    throw new MalformedInputError(field);
  });
  // One line per request from debug on; below that no hook at all on the request path.
  if (app.log.level === 'debug' || app.log.level === 'trace')
    app.addHook('onResponse', async (request, reply) => {
      request.log.debug(
        { req: request, res: { statusCode: reply.statusCode }, responseTime: reply.elapsedTime },
        'request completed',
      );
    });
  // Nothing Tresor answers may be kept by a browser or proxy: token values, forms, lists.
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('Cache-Control', 'no-store');
    // A change answers with a token; sending it back as X-Tresor-After to any node reads that change.
    if (request.method !== 'GET' && request.method !== 'HEAD' && reply.statusCode < 300)
      reply.header('X-Tresor-Change', request.id);
    return payload;
  });
  // Tresor's own security headers inside its context, always: a host's @fastify/helmet may be
  // registered with `global: false` (no headers at all) or with a policy for other pages. Set
  // after the host's hooks, these are the ones Tresor's pages go out with.
  securityHeaders(app, options.https);
  // An embedding app may have registered these plugins already: theirs are used then.
  if (!app.hasRequestDecorator('cookies')) await app.register(cookie);
  await app.register(csrf, {
    cookieOpts: { path: cookiePathOf(app.prefix), httpOnly: true, sameSite: 'strict', secure: options.https },
    getToken: (request) => (request.body as Record<string, unknown> | undefined)?._csrf as string,
  });
  // Forms post fields[key] and fields[key][0][name]: parsed into objects, without prototype keys
  // (Tresor's own parser inside its prefix, whatever the embedding app uses elsewhere).
  if (app.hasContentTypeParser('application/x-www-form-urlencoded'))
    app.removeContentTypeParser('application/x-www-form-urlencoded');
  await app.register(formbody, {
    parser: (body) =>
      qs.parse(body, { depth: 4, arrayLimit: 200, parameterLimit: 2000, allowPrototypes: false, plainObjects: true }),
  });
  if (!app.hasDecorator('rateLimit')) await app.register(rateLimit, { global: false });
  await app.register(authPlugin);
  await app.register(localePlugin);

  if (!app.hasDecorator('swagger')) {
    await app.register(swagger, {
      openapi: {
        info: { title: 'Tresor API', version: '1' },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
        security: [{ bearer: [] }],
      },
      transform: jsonSchemaTransform,
    });
    await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });
  }

  await app.register(
    async (api) => {
      // The API speaks JSON only (no form posts, so no CSRF surface), and refuses
      // __proto__ / constructor.prototype keys outright.
      api.removeAllContentTypeParsers();
      api.addContentTypeParser('application/json', { parseAs: 'string' }, api.getDefaultJsonParser('error', 'error'));
      await jsonErrors(api);
      await tokenAuthentication(api);
      await api.register(credentialTypesRoutes);
      await api.register(secretsRoutes);
      await api.register(connectionTestsRoutes);
      await api.register(sharesRoutes);
      await api.register(spacesRoutes);
      await api.register(environmentsRoutes);
      await api.register(noticesRoutes);
      await api.register(transferRoutes);
      await api.register(providedRoutes);
      await api.register(adminRoutes);
      await api.register(tokensRoutes);
      await api.register(passwordLinksRoutes);
      await api.register(auditRoutes);
      await api.register(webhooksRoutes);
      await api.register(oauth2Routes);
    },
    { prefix: '/api/v1' },
  );

  // Provisioning by the identity provider: only with a token configured (no endpoint otherwise).
  if (tresor.config.scimToken) await app.register(scimRoutes, { prefix: '/scim/v2' });

  await app.register(viewsPlugin);
  await app.register(remoteLogosRoutes);
  // The UI in a context of its own: session cookies name the principal here, and only here.
  await app.register(async (ui) => {
    await sessionAuthentication(ui);
    // With a host's identities the host signs people in: none of Tresor's own ways in are served.
    if (pluginOptions.identity) await ui.register(uiHostSignInRoutes);
    else {
      await ui.register(uiAuthRoutes);
      await ui.register(uiSsoRoutes);
      await ui.register(uiPasswordLinksRoutes);
      await ui.register(uiSecondFactorRoutes);
      await ui.register(uiPasskeyRoutes);
    }
    await ui.register(uiCliLoginRoutes);
    await ui.register(uiSecretsRoutes);
    await ui.register(uiSharingRoutes);
    await ui.register(uiTokensRoutes);
    await ui.register(uiAdminRoutes);
    await ui.register(uiAdminAuditRoutes);
    await ui.register(uiSpacesRoutes);
    await ui.register(uiTransferRoutes);
    await ui.register(uiWebhooksRoutes);
    await ui.register(uiOAuth2Routes);
    await ui.register(uiAccountRoutes);
  });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  // Ready while the database answers. A node whose change bus is down still serves, correctly
  // but uncached (see src/cluster), so it stays ready and says so for the operator.
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const changeBus = tresor.bus.healthy ? 'listening' : 'down: serving uncached';
    try {
      await tresor.database.raw.query('select 1');
      return { status: 'ready', changeBus };
    } catch {
      return reply.status(503).send({ status: 'database unavailable', changeBus });
    }
  });
};
