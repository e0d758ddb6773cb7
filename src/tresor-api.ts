/**
 * What `createTresor` returns: every service of one Tresor instance, by the job it does.
 * The composition root that builds it is `tresor.ts`.
 */
import type { AccessGate } from './access/access.gate.ts';
import type { AuditTrail } from './audit/audit-log.service.ts';
import type { RequestRefusals } from './audit/refusals.ts';
import type { ChangeBus } from './cluster/change-bus.ts';
import type { ReadCache } from './cluster/read-cache.ts';
import type { TresorConfig } from './config.ts';
import type { CredentialRegistry } from './credentials/index.ts';
import type { KeyAdministration } from './crypto/key-administration.ts';
import type { DatabaseHandle } from './db/client.ts';
import type { ExpressionService } from './expressions/expression.service.ts';
import type { AccountLinks } from './identity/account-link.service.ts';
import type { BootstrapService } from './identity/bootstrap.service.ts';
import type { GroupService } from './identity/group.service.ts';
import type { HostIdentityService } from './identity/host/host-identity.service.ts';
import type { ScimService } from './identity/scim/scim.service.ts';
import type { Passkeys } from './identity/second-factor/passkey.service.ts';
import type { SecondFactors } from './identity/second-factor/second-factor.service.ts';
import type { SessionService } from './identity/session.service.ts';
import type { SignIn } from './identity/sign-in.ts';
import type { UserService } from './identity/user.service.ts';
import type { Notices } from './lifecycle/notices.ts';
import type { Logger } from './logger.ts';
import type { ModuleContext } from './modules/module-context.ts';
import type { OAuth2Service } from './oauth2/oauth2.service.ts';
import type { ProvidedService } from './providers/provided.service.ts';
import type { ConnectionTestService } from './secrets/connection-test.service.ts';
import type { LastUsedRecorder } from './secrets/last-used.recorder.ts';
import type { SecretService } from './secrets/secret.service.ts';
import type { SecretStoryService } from './secrets/secret-story.service.ts';
import type { ShareService } from './secrets/share.service.ts';
import type { UseService } from './secrets/use.service.ts';
import type { EnvironmentService } from './spaces/environment.service.ts';
import type { SpaceService } from './spaces/space.service.ts';
import type { SpaceKeyService } from './spaces/space-key.service.ts';
import type { TransferService } from './transfer/transfer.service.ts';
import type { WebhookDispatcher } from './webhooks/webhook.dispatcher.ts';
import type { WebhookService } from './webhooks/webhook.service.ts';

export interface Tresor {
  config: TresorConfig;
  logger: Logger;
  registry: CredentialRegistry;
  database: DatabaseHandle;
  /** The access gate: every decision about who may do what (see src/access). */
  gate: AccessGate;
  /** Key status and rotation, for KEY_ADMIN holders (the CLI's local mode acts as Tresor itself). */
  keys: KeyAdministration;
  secrets: SecretService;
  /** A secret's story from the audit trail: what happened to it, by whom, which modules used it. */
  stories: SecretStoryService;
  /** Connection tests of stored secrets and of unsaved values (the type's `test`). */
  tests: ConnectionTestService;
  shares: ShareService;
  usage: UseService;
  users: UserService;
  /** Single sign-on and the rules that link outside identities to users (src/identity/sign-in.ts). */
  signIn: SignIn;
  /** A host app's users and groups (`tresorPlugin`'s `identity`; `principalFor` for its modules). */
  host: HostIdentityService;
  /** Invitations and password resets: links mailed so that a person chooses their own password. */
  accounts: AccountLinks;
  /** Second factors: TOTP and recovery codes, and the policy of who must have one. */
  factors: SecondFactors;
  /** Passkeys (WebAuthn): register, sign in with one, remove. */
  passkeys: Passkeys;
  /** SCIM 2.0 provisioning by the identity provider (served at /scim/v2 when TRESOR_SCIM_TOKEN is set). */
  scim: ScimService;
  groups: GroupService;
  /** Spaces: teams' own names, roles, visibility, keys and environments (src/spaces). */
  spaces: SpaceService & SpaceKeyService & EnvironmentService;
  bootstrap: BootstrapService;
  sessions: SessionService;
  audit: AuditTrail;
  /** Requests refused where they were read (malformed text), recorded on the trail. */
  refusals: RequestRefusals;
  /** LISTENs for changes from every node. */
  bus: ChangeBus;
  /** This node's read cache, dropped entry by entry on notice. */
  cache: ReadCache;
  /** Coalesces "last used" stamps; flushed on close. */
  lastUsed: LastUsedRecorder;
  /** What modules (yours, mail, jira: see src/modules) are built from: use(), findUsable(), group principals. */
  moduleContext: ModuleContext;
  /** {{ secret('name') }} references in configuration text: check at save time, render at run time. */
  expressions: ExpressionService;
  /**
   * Expiry notices: who else is told (`recipients`, `setRecipients`), one run now (`run`), and
   * `schedule()` — what the server does: runs every TRESOR_EXPIRY_CHECK_SECONDS until close.
   */
  notices: Omit<Notices, 'stop'>;
  /** Secrets held outside Tresor (environment, mounted files): read-only, typed, audited on use. */
  provided: ProvidedService;
  /** Export and import archives between instances (SECRET_EXPORT, or Tresor itself). */
  transfer: TransferService;
  /**
   * Webhook endpoints (WEBHOOK_ADMIN), `deliver()` — one run of the outbox now — and
   * `schedule()`, what the server does: a run every TRESOR_WEBHOOK_POLL_MS until close.
   */
  webhooks: WebhookService & { deliver: WebhookDispatcher['run']; schedule(): void };
  /** OAuth2 secrets: Connect (begin, complete), their connection's status, forgetting it (src/oauth2). */
  oauth2: Omit<OAuth2Service, 'fresh'>;
  /** A typed, decrypted credential for a module acting for `principal` (see UseService). */
  use: ModuleContext['use'];
  close(): Promise<void>;
}
