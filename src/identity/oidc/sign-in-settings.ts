/**
 * How people sign in, from the environment: an OpenID Connect provider (single sign-on) and
 * whether local passwords still work. Parsed with the rest of the configuration (config.ts).
 */
import { z } from 'zod';
import { ConfigError } from '../../errors.ts';
import { flag, list } from '../environment-values.ts';
import type { LinkPolicy } from '../identity-link.service.ts';
import { type LdapSettings, ldapEnvironment, parseLdap } from '../ldap/ldap-settings.ts';

export const signInEnvironment = {
  TRESOR_OIDC_ISSUER: z
    .url()
    .optional()
    .or(z.literal('').transform(() => undefined)),
  TRESOR_OIDC_CLIENT_ID: z.string().max(500).optional(),
  TRESOR_OIDC_CLIENT_SECRET: z.string().max(2000).optional(),
  TRESOR_OIDC_SCOPES: z
    .string()
    .default('openid email profile')
    .refine((s) => s.split(/\s+/).includes('openid'), 'must include openid, e.g. "openid email profile"'),
  TRESOR_OIDC_GROUPS_CLAIM: z
    .string()
    .regex(/^[\w:./-]{1,200}$/, 'must be a claim name, e.g. groups')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  TRESOR_OIDC_AUTO_CREATE: flag('false'),
  TRESOR_OIDC_ALLOWED_DOMAINS: list,
  TRESOR_OIDC_LINK_BY_EMAIL: flag('true'),
  TRESOR_OIDC_LABEL: z.string().max(60).default('single sign-on'),
  TRESOR_SSO_ONLY: flag('false'),
  TRESOR_SSO_BREAK_GLASS: list,
  ...ldapEnvironment,
};

type SignInEnvironment = z.output<z.ZodObject<typeof signInEnvironment>>;

export interface OidcSettings {
  issuer: URL;
  clientId: string;
  /** Absent: a public client, proven by PKCE alone. */
  clientSecret: string | undefined;
  scopes: string;
  /** The ID token or userinfo claim holding the user's groups (mirrored as groups managed by `oidc`). */
  groupsClaim: string | undefined;
  policy: LinkPolicy;
  /** The sign-in button's words: "Sign in with {label}". */
  label: string;
}

export interface SignInSettings {
  oidc: OidcSettings | undefined;
  /** Passwords checked against a directory (LDAP), when TRESOR_LDAP_URL is set. */
  ldap: LdapSettings | undefined;
  /** Local passwords refused, except for the break-glass accounts' (e-mail addresses, lower-cased). */
  ssoOnly: boolean;
  breakGlass: readonly string[];
}

export function parseSignIn(e: SignInEnvironment): SignInSettings {
  if (Boolean(e.TRESOR_OIDC_ISSUER) !== Boolean(e.TRESOR_OIDC_CLIENT_ID))
    throw new ConfigError(
      'Set TRESOR_OIDC_ISSUER and TRESOR_OIDC_CLIENT_ID together for single sign-on, or neither',
      e.TRESOR_OIDC_ISSUER ? 'TRESOR_OIDC_CLIENT_ID' : 'TRESOR_OIDC_ISSUER',
    );
  if (e.TRESOR_SSO_ONLY && !e.TRESOR_OIDC_ISSUER && !e.TRESOR_LDAP_URL)
    throw new ConfigError(
      'TRESOR_SSO_ONLY needs a way in besides local passwords: set TRESOR_OIDC_ISSUER or TRESOR_LDAP_URL',
      'TRESOR_SSO_ONLY',
    );
  return {
    oidc:
      e.TRESOR_OIDC_ISSUER && e.TRESOR_OIDC_CLIENT_ID
        ? {
            issuer: new URL(e.TRESOR_OIDC_ISSUER),
            clientId: e.TRESOR_OIDC_CLIENT_ID,
            clientSecret: e.TRESOR_OIDC_CLIENT_SECRET || undefined,
            scopes: e.TRESOR_OIDC_SCOPES,
            groupsClaim: e.TRESOR_OIDC_GROUPS_CLAIM,
            policy: {
              autoCreate: e.TRESOR_OIDC_AUTO_CREATE,
              allowedDomains: e.TRESOR_OIDC_ALLOWED_DOMAINS,
              linkByEmail: e.TRESOR_OIDC_LINK_BY_EMAIL,
            },
            label: e.TRESOR_OIDC_LABEL,
          }
        : undefined,
    ldap: parseLdap(e),
    ssoOnly: e.TRESOR_SSO_ONLY,
    breakGlass: e.TRESOR_SSO_BREAK_GLASS,
  };
}
