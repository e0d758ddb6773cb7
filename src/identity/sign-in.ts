/**
 * The ways in besides a local password, built from the configuration: the identity-link rules
 * every outside source shares, and the OpenID Connect provider when one is configured.
 */
import type { AccessGate } from '../access/access.gate.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { TresorConfig } from '../config.ts';
import type { Database } from '../db/client.ts';
import { type CliAuthorization, cliAuthorizationFactory } from './cli-authorization.service.ts';
import { type IdentityLinkService, identityLinkServiceFactory } from './identity-link.service.ts';
import { type OidcSignIn, oidcSignInFactory } from './oidc/oidc-sign-in.service.ts';
import type { SessionService } from './session.service.ts';

export interface SignIn {
  /** How outside identities become users (linking, mirrored groups): for every source, a host's too. */
  links: IdentityLinkService;
  /** Single sign-on, when TRESOR_OIDC_ISSUER is set. */
  oidc: OidcSignIn | undefined;
  /** Local passwords refused except for break-glass accounts. */
  ssoOnly: boolean;
  /** `tresor login --browser`: a CLI signed in by approving it in the web UI. */
  cli: CliAuthorization;
}

export function signInFactory(deps: {
  db: Database;
  audit: Pick<AuditService, 'appendInTx' | 'write'>;
  config: Pick<TresorConfig, 'signIn' | 'oauth2TimeoutMs'>;
  ca: string | undefined;
  gate: Pick<AccessGate, 'mint'>;
  sessions: Pick<SessionService, 'confirmPresence' | 'createTokenForCredentials'>;
}): SignIn {
  const links = identityLinkServiceFactory(deps);
  const { oidc, ssoOnly } = deps.config.signIn;
  return {
    links,
    oidc: oidc
      ? oidcSignInFactory({ ...deps, links, settings: oidc, timeoutMs: deps.config.oauth2TimeoutMs })
      : undefined,
    ssoOnly,
    cli: cliAuthorizationFactory(deps),
  };
}
