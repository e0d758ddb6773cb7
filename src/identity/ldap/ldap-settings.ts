/**
 * LDAP sign-in from the environment: where the directory is, how a login becomes an entry
 * (search with a service account, or a DN template to bind as directly), which attributes hold
 * the address, the name and a stable id, and where groups come from. Parsed with the rest of
 * the configuration (config.ts, through sign-in-settings.ts).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../../errors.ts';
import { flag, list } from '../environment-values.ts';
import type { LinkPolicy } from '../identity-link.service.ts';

const optional = (schema: z.ZodString) => schema.optional().or(z.literal('').transform(() => undefined));
const attribute = z.string().regex(/^[A-Za-z][\w-]{0,63}$/, 'must be an attribute name, e.g. mail');

export const ldapEnvironment = {
  TRESOR_LDAP_URL: optional(
    z.string().regex(/^ldaps?:\/\/[^/\s]+\/?$/, 'must be ldap://host:port or ldaps://host:port'),
  ),
  TRESOR_LDAP_START_TLS: flag('false'),
  TRESOR_LDAP_CA_FILE: optional(z.string()),
  TRESOR_LDAP_BIND_DN: optional(z.string().max(1000)),
  TRESOR_LDAP_BIND_PASSWORD: optional(z.string().max(1000)),
  TRESOR_LDAP_USER_BASE: optional(z.string().max(1000)),
  TRESOR_LDAP_USER_FILTER: z
    .string()
    .default('(|(uid={login})(mail={login}))')
    .refine((f) => f.includes('{login}') && f.startsWith('('), 'must be a filter with {login}, e.g. (uid={login})'),
  TRESOR_LDAP_USER_DN: optional(
    z
      .string()
      .max(1000)
      .refine((t) => t.includes('{login}'), 'must hold {login}, e.g. uid={login},ou=people,…'),
  ),
  TRESOR_LDAP_ID_ATTRIBUTE: attribute.default('entryUUID'),
  TRESOR_LDAP_EMAIL_ATTRIBUTE: attribute.default('mail'),
  TRESOR_LDAP_NAME_ATTRIBUTE: attribute.default('cn'),
  TRESOR_LDAP_GROUPS: z
    .enum(['none', 'memberOf', 'search'], { error: 'must be none, memberOf or search' })
    .default('none'),
  TRESOR_LDAP_GROUP_BASE: optional(z.string().max(1000)),
  TRESOR_LDAP_GROUP_FILTER: z
    .string()
    .default('(|(member={dn})(uniqueMember={dn}))')
    .refine((f) => f.includes('{dn}') && f.startsWith('('), 'must be a filter with {dn}, e.g. (member={dn})'),
  TRESOR_LDAP_GROUP_NAME_ATTRIBUTE: attribute.default('cn'),
  TRESOR_LDAP_AUTO_CREATE: flag('true'),
  TRESOR_LDAP_ALLOWED_DOMAINS: list,
  TRESOR_LDAP_LINK_BY_EMAIL: flag('true'),
};

export interface LdapSettings {
  url: string;
  startTls: boolean;
  /** PEM of the CA(s) the directory's certificate is checked against (system roots otherwise). */
  ca: string | undefined;
  /** The service account to search with; absent: search anonymously (or bind by the DN template). */
  bind: { dn: string; password: string } | undefined;
  /** Search-then-bind: where and how a login is found. */
  userSearch: { base: string; filter: string } | undefined;
  /** Bind directly as this DN ({login} escaped into it): no service account needed. */
  userDn: string | undefined;
  attributes: { id: string; email: string; name: string };
  groups:
    | { from: 'none' }
    | { from: 'memberOf' }
    | { from: 'search'; base: string; filter: string; nameAttribute: string };
  policy: LinkPolicy;
}

type LdapEnvironment = z.output<z.ZodObject<typeof ldapEnvironment>>;

export function parseLdap(e: LdapEnvironment): LdapSettings | undefined {
  if (!e.TRESOR_LDAP_URL) return undefined;
  if (!e.TRESOR_LDAP_USER_DN && !e.TRESOR_LDAP_USER_BASE)
    throw new ConfigError(
      'LDAP needs TRESOR_LDAP_USER_BASE (search for the login) or TRESOR_LDAP_USER_DN (bind as uid={login},…)',
      'TRESOR_LDAP_USER_BASE',
    );
  if (Boolean(e.TRESOR_LDAP_BIND_DN) !== Boolean(e.TRESOR_LDAP_BIND_PASSWORD))
    throw new ConfigError('Set TRESOR_LDAP_BIND_DN and TRESOR_LDAP_BIND_PASSWORD together', 'TRESOR_LDAP_BIND_DN');
  if (e.TRESOR_LDAP_GROUPS === 'search' && !e.TRESOR_LDAP_GROUP_BASE)
    throw new ConfigError('TRESOR_LDAP_GROUPS=search needs TRESOR_LDAP_GROUP_BASE', 'TRESOR_LDAP_GROUP_BASE');
  let ca: string | undefined;
  if (e.TRESOR_LDAP_CA_FILE)
    try {
      ca = readFileSync(e.TRESOR_LDAP_CA_FILE, 'utf8');
    } catch {
      throw new ConfigError(`Cannot read TRESOR_LDAP_CA_FILE ${e.TRESOR_LDAP_CA_FILE}`, 'TRESOR_LDAP_CA_FILE');
    }
  return {
    url: e.TRESOR_LDAP_URL,
    startTls: e.TRESOR_LDAP_START_TLS,
    ca,
    bind:
      e.TRESOR_LDAP_BIND_DN && e.TRESOR_LDAP_BIND_PASSWORD
        ? { dn: e.TRESOR_LDAP_BIND_DN, password: e.TRESOR_LDAP_BIND_PASSWORD }
        : undefined,
    userSearch: e.TRESOR_LDAP_USER_BASE
      ? { base: e.TRESOR_LDAP_USER_BASE, filter: e.TRESOR_LDAP_USER_FILTER }
      : undefined,
    userDn: e.TRESOR_LDAP_USER_DN,
    attributes: {
      id: e.TRESOR_LDAP_ID_ATTRIBUTE,
      email: e.TRESOR_LDAP_EMAIL_ATTRIBUTE,
      name: e.TRESOR_LDAP_NAME_ATTRIBUTE,
    },
    groups:
      e.TRESOR_LDAP_GROUPS === 'search'
        ? {
            from: 'search',
            base: e.TRESOR_LDAP_GROUP_BASE!,
            filter: e.TRESOR_LDAP_GROUP_FILTER,
            nameAttribute: e.TRESOR_LDAP_GROUP_NAME_ATTRIBUTE,
          }
        : { from: e.TRESOR_LDAP_GROUPS },
    policy: {
      autoCreate: e.TRESOR_LDAP_AUTO_CREATE,
      allowedDomains: e.TRESOR_LDAP_ALLOWED_DOMAINS,
      linkByEmail: e.TRESOR_LDAP_LINK_BY_EMAIL,
    },
  };
}
