/**
 * `'tresor'`: what credential types and modules import — decorators, base types, errors,
 * egress helpers, the provider contract, webhook signature helpers. It loads no database, web
 * or feature code (a type file's import closure stays the framework's), so a process or hook
 * worker that loads a type does not load the server. Embedders import `'tresor/server'`.
 */

export * from './credentials/index.ts';
export * from './errors.ts';
export { type EgressPolicy, tlsServerName } from './net/egress-policy.ts';
export { type OutboundRequest, type OutboundResponse, outboundHttps } from './net/outbound-https.ts';
export { OAuth2, type OAuth2Grant } from './oauth2/oauth2.credential.ts';
export type { ProvidedSecret, SecretProvider } from './providers/provider.ts';
export type { WebhookEvent } from './webhooks/webhook-events.ts';
export { type SignatureCheck, signWebhook, verifyWebhookSignature } from './webhooks/webhook-signature.ts';
