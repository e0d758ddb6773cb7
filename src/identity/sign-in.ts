/**
 * The ways in, built from the configuration: the identity-link rules every outside source
 * shares, passwords (a directory's over LDAP, then local ones), the OpenID Connect provider
 * when one is configured, and the CLI approved in a browser.
 */
import type { AccessGate } from '../access/access.gate.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { TresorConfig } from '../config.ts';
import type { Database } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import { type CliAuthorization, cliAuthorizationFactory } from './cli-authorization.service.ts';
import { type IdentityLinkService, identityLinkServiceFactory } from './identity-link.service.ts';
import { ldapSignInFactory } from './ldap/ldap-sign-in.service.ts';
import { type OidcSignIn, oidcSignInFactory } from './oidc/oidc-sign-in.service.ts';
import { type PasswordSignIn, passwordSignInFactory } from './password-sign-in.ts';
import type { SessionService } from './session.service.ts';
import type { UserService } from './user.service.ts';

export interface SignIn {
  /** How outside identities become users (linking, mirrored groups): for every source, a host's too. */
  links: IdentityLinkService;
  /** Single sign-on, when TRESOR_OIDC_ISSUER is set. */
  oidc: OidcSignIn | undefined;
  /** A login and password: the directory's (LDAP, when TRESOR_LDAP_URL is set), else a local account's. */
  password: PasswordSignIn;
  /** Local passwords refused except for break-glass accounts. */
  ssoOnly: boolean;
  /** Passwords are checked against a directory (LDAP): the sign-in form takes a user name too. */
  directory: boolean;
  /** `tresor login --browser`: a CLI signed in by approving it in the web UI. */
  cli: CliAuthorization;
}

export function signInFactory(deps: {
  db: Database;
  audit: Pick<AuditService, 'appendInTx' | 'write'>;
  config: Pick<TresorConfig, 'signIn' | 'oauth2TimeoutMs'>;
  ca: string | undefined;
  gate: Pick<AccessGate, 'mint' | 'stepUp'>;
  sessions: Pick<SessionService, 'confirmPresence' | 'createTokenForCredentials'>;
  users: Pick<UserService, 'authenticate'>;
  logger: Logger;
}): SignIn {
  const links = identityLinkServiceFactory(deps);
  const { oidc, ldap, ssoOnly } = deps.config.signIn;
  const directory = ldap
    ? ldapSignInFactory({ settings: ldap, links, timeoutMs: deps.config.oauth2TimeoutMs })
    : undefined;
  return {
    password: passwordSignInFactory({ ...deps, ldap: directory }),
    links,
    oidc: oidc
      ? oidcSignInFactory({ ...deps, links, settings: oidc, timeoutMs: deps.config.oauth2TimeoutMs })
      : undefined,
    ssoOnly,
    directory: directory !== undefined,
    cli: cliAuthorizationFactory(deps),
  };
}
