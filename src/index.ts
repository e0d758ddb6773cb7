/** Tresor's public API for type authors, modules and embedders: `import { ... } from 'tresor'`. */

export { parseConfig, type TresorConfig } from './config.ts';
export * from './credentials/index.ts';
export * from './errors.ts';
export { type EgressPolicy, tlsServerName } from './net/egress-policy.ts';
export { type OutboundRequest, type OutboundResponse, outboundHttps } from './net/outbound-https.ts';
export { OAuth2, type OAuth2Grant } from './oauth2/oauth2.credential.ts';
export type { ProvidedSecret, SecretProvider } from './providers/provider.ts';
export { createRegistry, createTresor, type Tresor } from './tresor.ts';
export { type TresorPluginOptions, tresorPlugin } from './web/mount.ts';
export type { WebhookEvent } from './webhooks/webhook-events.ts';
export { type SignatureCheck, signWebhook, verifyWebhookSignature } from './webhooks/webhook-signature.ts';
