/**
 * `context.http(principal, name)`: requests with a credential applied the way its type
 * declares (`authenticate`), only to the destinations it allows (`allowedDomains`), so a
 * module never sees the value. Opening it is a use (audited, refused as use() is); each
 * request goes through the egress policy to a vetted address (outbound-https.ts).
 */
import type { Authenticate, CredentialDefinition, Payload, PublicFields } from '../credentials/index.ts';
import { hasOAuth2Fields } from '../credentials/oauth2-shape.ts';
import { DestinationRefusedError, ValidationError, WrongTypeError } from '../errors.ts';
import type { Principal } from '../identity/principal.ts';
import type { EgressPolicy } from '../net/egress-policy.ts';
import { type OutboundResponse, outboundHttps } from '../net/outbound-https.ts';
import type { UseService } from '../secrets/use.service.ts';

export interface CredentialHttpOptions {
  /** The consuming module, for the audit trail. */
  module?: string;
  /** The credential type id the secret must have (checked before anything is opened or audited as a use). */
  type?: string;
  /** Extra trusted CA certificates (PEM) for this module's requests; TRESOR_OUTBOUND_CA_FILE otherwise. */
  ca?: string | Buffer;
  timeoutMs?: number;
}

export interface CredentialHttp {
  /** The secret's name and its non-secret fields (a site URL, say): what a module may know. */
  secret: string;
  fields: PublicFields;
  request(
    url: string | URL,
    init?: { method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; headers?: Record<string, string>; body?: string },
  ): Promise<OutboundResponse>;
}

const text = (payload: Payload, key: string) => {
  const value = payload[key];
  return typeof value === 'string' ? value : String(value ?? '');
};

/** The headers and query parameters a declaration adds to a request. */
function applied(auth: Authenticate, payload: Payload): { headers: Record<string, string>; query: [string, string][] } {
  switch (auth.kind) {
    case 'bearer':
      return { headers: { authorization: `Bearer ${text(payload, auth.field)}` }, query: [] };
    case 'basic': {
      const pair = `${text(payload, auth.username)}:${text(payload, auth.password)}`;
      return { headers: { authorization: `Basic ${Buffer.from(pair).toString('base64')}` }, query: [] };
    }
    case 'header':
      return { headers: { [auth.name.toLowerCase()]: `${auth.prefix ?? ''}${text(payload, auth.field)}` }, query: [] };
    case 'query':
      return { headers: {}, query: [[auth.name, text(payload, auth.field)]] };
  }
}

/** Whether `url` is one of the destinations the type allows for this payload. */
function allowed(definition: CredentialDefinition, payload: Payload, url: URL): boolean {
  const host = url.hostname.toLowerCase();
  return (definition.allowedDomains ?? []).some((domain) => {
    if (typeof domain === 'string')
      return domain.startsWith('*.') ? host.endsWith(domain.slice(1)) && host !== domain.slice(2) : host === domain;
    try {
      const own = new URL(text(payload, domain.field));
      return own.hostname.toLowerCase() === host && own.port === url.port && own.protocol === url.protocol;
    } catch {
      return false;
    }
  });
}

export function credentialHttpFactory(deps: {
  usage: Pick<UseService, 'useAny' | 'checkUsable'>;
  egress: EgressPolicy;
  ca: string | undefined;
}) {
  return async function http(
    principal: Principal,
    name: string,
    options: CredentialHttpOptions = {},
  ): Promise<CredentialHttp> {
    // The type decides before anything is opened: a secret it cannot apply is never used (nor its use audited).
    const { metadata, type } = await deps.usage.checkUsable(principal, name);
    if (options.type !== undefined && type.id !== options.type)
      throw new WrongTypeError(metadata.name, type.definition.name, options.type);
    const { definition } = type;
    // An OAuth2 secret is applied as its fresh access token (use() refreshes it when due).
    const oauth2 = hasOAuth2Fields(definition.fields.map((f) => f.key));
    const auth: Authenticate | undefined =
      definition.authenticate ??
      (oauth2 && definition.allowedDomains ? { kind: 'bearer', field: 'accessToken' } : undefined);
    if (!auth)
      throw ValidationError.field(
        'secret',
        oauth2
          ? `${definition.name} declares no allowedDomains: context.http() cannot send secret "${metadata.name}"`
          : `${definition.name} declares no authenticate: context.http() cannot apply secret "${metadata.name}"`,
      );
    const opened = await deps.usage.useAny(principal, name, options.module ? { module: options.module } : {});
    const payload = opened.payload;
    return {
      secret: opened.metadata.name,
      fields: opened.type.publicFields(payload),
      async request(target, init = {}) {
        const url = new URL(target);
        if (url.protocol !== 'https:' || !allowed(definition, payload, url))
          throw new DestinationRefusedError(
            `Secret "${opened.metadata.name}" (${definition.name}) may not be sent to ${url.protocol}//${url.host}: ` +
              'not among the destinations its type allows',
          );
        const { headers, query } = applied(auth, payload);
        for (const [key, value] of query) url.searchParams.set(key, value);
        return outboundHttps({
          url,
          method: init.method ?? 'GET',
          headers: { ...init.headers, ...headers },
          ...(init.body === undefined ? {} : { body: init.body }),
          egress: deps.egress,
          ca: options.ca ?? deps.ca,
          ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        });
      },
    };
  };
}
