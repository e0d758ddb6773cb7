/**
 * Where `tresor login` keeps the server URL and token: $TRESOR_CONFIG_DIR, else
 * $XDG_CONFIG_HOME/tresor, else ~/.config/tresor; the file is written with mode 0600.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface StoredLogin {
  url: string;
  /** Absent after `tresor logout`: the CLI then says it is signed out instead of changing mode. */
  token?: string;
  signedOut?: boolean;
  /** The token's id, so logout revokes exactly this one. */
  tokenId?: string;
}

export function configDir(env: Record<string, string | undefined>): string {
  return env.TRESOR_CONFIG_DIR ?? join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'tresor');
}

const file = (env: Record<string, string | undefined>) => join(configDir(env), 'credentials.json');

export function readLogin(env: Record<string, string | undefined>): StoredLogin | undefined {
  const path = file(env);
  if (!existsSync(path)) return undefined;
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<StoredLogin>;
  if (typeof parsed.url !== 'string') return undefined;
  if (parsed.signedOut === true) return { url: parsed.url, signedOut: true };
  return typeof parsed.token === 'string'
    ? {
        url: parsed.url,
        token: parsed.token,
        ...(typeof parsed.tokenId === 'string' ? { tokenId: parsed.tokenId } : {}),
      }
    : undefined;
}

export function writeLogin(env: Record<string, string | undefined>, login: StoredLogin): string {
  mkdirSync(configDir(env), { recursive: true, mode: 0o700 });
  const path = file(env);
  writeFileSync(path, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}

export function forgetLogin(env: Record<string, string | undefined>): void {
  rmSync(file(env), { force: true });
}

/** Keeps the server but not the token: commands then say "signed out" rather than work locally. */
export function signOut(env: Record<string, string | undefined>, url: string): void {
  writeLogin(env, { url, signedOut: true });
}
