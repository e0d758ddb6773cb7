/**
 * The people side of Tresor assembled: users, the ways in (passwords, LDAP, single sign-on,
 * the CLI through the browser), second factors, and the mailed links that let a person
 * choose their own password. Sessions
 * and groups are built before (the gate's caches and modules need them); this is what uses them.
 */
import type { AccessGate } from '../access/access.gate.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { ReadCache } from '../cluster/read-cache.ts';
import type { TresorConfig } from '../config.ts';
import type { KeyService } from '../crypto/key.service.ts';
import type { Database } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import type { SystemMailer } from '../modules/mail/system-mailer.ts';
import { accountLinkServiceFactory } from './account-link.service.ts';
import type { GroupService } from './group.service.ts';
import { hostIdentityServiceFactory } from './host/host-identity.service.ts';
import type { LoginPasswords } from './login-password.ts';
import { scimServiceFactory } from './scim/scim.service.ts';
import { passkeyServiceFactory } from './second-factor/passkey.service.ts';
import { secondFactorServiceFactory } from './second-factor/second-factor.service.ts';
import type { SessionService } from './session.service.ts';
import { signInFactory } from './sign-in.ts';
import { userServiceFactory } from './user.service.ts';

/** Where mailed links point when TRESOR_PUBLIC_URL is unset: the address the server listens on. */
export function linkBase(config: Pick<TresorConfig, 'publicUrl' | 'host' | 'port' | 'tlsCert' | 'tlsKey'>): string {
  if (config.publicUrl) return config.publicUrl;
  const host = ['0.0.0.0', '::', ''].includes(config.host) ? 'localhost' : config.host;
  const scheme = config.tlsCert && config.tlsKey ? 'https' : 'http';
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
}

export function identityServices(deps: {
  db: Database;
  gate: AccessGate;
  audit: Pick<AuditService, 'appendInTx' | 'write'>;
  config: TresorConfig;
  ca: string | undefined;
  sessions: SessionService;
  mail: SystemMailer;
  logger: Logger;
  locales: () => readonly string[];
  keys: Pick<KeyService, 'sealingRing' | 'ringFor'>;
  groups: Pick<GroupService, 'create' | 'find' | 'grant' | 'grants'>;
  cache: ReadCache;
  /** The login password rule (strength as for a stored Password secret). */
  loginPasswords: LoginPasswords;
}) {
  const { db, gate, audit, config, sessions } = deps;
  const revoke = sessions.revokeAll;
  const users = userServiceFactory({
    db,
    gate,
    audit,
    listener: { credentialsRevoked: revoke },
    locales: deps.locales,
    passwords: config.signIn,
    loginPasswords: deps.loginPasswords,
  });
  const signIn = signInFactory({ db, audit, config, ca: deps.ca, gate, sessions, users, logger: deps.logger });
  return {
    users,
    signIn,
    host: hostIdentityServiceFactory({ db, audit, links: signIn.links, users, groups: deps.groups, cache: deps.cache }),
    scim: scimServiceFactory({ db, audit, users, groups: deps.groups }),
    passkeys: passkeyServiceFactory({ db, gate, audit }),
    factors: secondFactorServiceFactory({ db, gate, audit, keys: deps.keys, policy: config.secondFactor }),
    accounts: accountLinkServiceFactory({
      db,
      gate,
      audit,
      mail: deps.mail,
      logger: deps.logger,
      revoke,
      passwords: deps.loginPasswords,
      settings: { linkBase: linkBase(config), sso: config.signIn.oidc?.label, passwords: config.signIn },
    }),
  };
}
