/**
 * A type whose secrets hold a connection beside their stored fields: tokens an authorization
 * server issued (OAuth2, `connects` on the type). The secret rooms reach a connection only
 * through this capability; the room that keeps connections (src/oauth2) provides it.
 */
import type { TestCheck } from './connection-test.ts';
import type { Payload } from './field-options.ts';

/** What a use adds to the typed value: the connection's access token, fresh. */
export interface FreshToken {
  accessToken: string;
  tokenType: string;
  expiresAt: Date | undefined;
}

export interface Connections {
  /** The secret's access token, refreshed first when about to expire (once across every node). */
  fresh(secret: { id: string; name: string }, payload: Payload): Promise<FreshToken>;
  /** Whether the secret's connection would serve a module: the last check of its connection test. */
  connectionCheck(secretId: string, payload: Payload): Promise<TestCheck>;
}
