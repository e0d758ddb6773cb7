/**
 * What may be told of an OAuth2 secret's connection — never a token — as the service answers
 * it and as JSON (REST API, CLI). No runtime imports: the CLI loads it in every command.
 */
import type { OAuth2Grant } from './oauth2.credential.ts';

export type ConnectionStatus = 'connected' | 'needs-reconnect' | 'not-connected';

/** What anyone who may see the secret may know of its connection: never a token. */
export interface ConnectionView {
  status: ConnectionStatus;
  grant: OAuth2Grant;
  scopes: string;
  /** Whom it is connected as, when the server said (an OpenID server's ID token). */
  account: string | undefined;
  accessExpiresAt: Date | undefined;
  connectedAt: Date | undefined;
  refreshedAt: Date | undefined;
}

/** The same as JSON answers it (REST API, CLI): dates as ISO strings, absent values as null. */
export interface ConnectionJson {
  status: ConnectionStatus;
  grant: OAuth2Grant;
  scopes: string;
  account: string | null;
  accessExpiresAt: string | null;
  connectedAt: string | null;
  refreshedAt: string | null;
}

export function connectionJson(view: ConnectionView): ConnectionJson {
  return {
    ...view,
    account: view.account ?? null,
    accessExpiresAt: view.accessExpiresAt?.toISOString() ?? null,
    connectedAt: view.connectedAt?.toISOString() ?? null,
    refreshedAt: view.refreshedAt?.toISOString() ?? null,
  };
}
