/**
 * What a module may touch: the public use() API and the lookup of a group to act for.
 * Modules are written the way a third-party module would be; they never reach into the store.
 */
import type { CredentialClass } from '../credentials/index.ts';
import type { Principal } from '../identity/principal.ts';
import type { EgressPolicy } from '../net/egress-policy.ts';
import type { SecretMetadata } from '../secrets/secret-metadata.ts';
import type { Used, UseOptions } from '../secrets/use.service.ts';
import type { CredentialHttp, CredentialHttpOptions } from './credential-http.ts';

export interface ModuleContext {
  use<T extends object>(
    ctor: CredentialClass<T>,
    principal: Principal,
    nameOrId: string,
    options?: UseOptions,
  ): Promise<Used<T>>;
  findUsable<T extends object>(ctor: CredentialClass<T>, principal: Principal): Promise<SecretMetadata[]>;
  /** The principal of a group, by name (the mail module acts for `system`). */
  groupPrincipal(name: string): Promise<Principal>;
  /**
   * Where a module may connect (TRESOR_EGRESS_ALLOW / TRESOR_EGRESS_DENY): resolve the host
   * through it and connect to an address it returns.
   */
  egress: EgressPolicy;
  /**
   * Requests with the credential applied as its type declares (`authenticate`), only to the
   * destinations it allows: the module never sees the value. Opening it is an audited use.
   */
  http(principal: Principal, name: string, options?: CredentialHttpOptions): Promise<CredentialHttp>;
}
