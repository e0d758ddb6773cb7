/** The remote backend: the REST API with a bearer token. API errors come back as the same typed errors. */
import { z } from 'zod';
import { type ErrorCode, errorCodes, TresorError, ValidationError } from '../errors.ts';
import type { SecretUsage } from '../secrets/secret-usage.ts';
import type { Share } from '../secrets/share.service.ts';
import type {
  Comparison,
  OAuth2Connection,
  SecretInfo,
  SecretsBackend,
  TestOutcome,
  TypeInfo,
  VersionRow,
} from './backend.ts';

/** The API's error body (src/web/plugins/errors.plugin.ts), as far as the CLI reads it. */
const errorBody = z.object({
  code: z.string().optional(),
  message: z.string().optional(),
  field: z.string().optional(),
  title: z.string().optional(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

export interface RemoteTarget {
  url: string;
  token: string;
  /** Where the token came from: `tresor login` (kept in the credentials file) or given (--token, TRESOR_TOKEN). */
  from?: 'login' | 'given';
}

/**
 * What a refused token means for the person at the terminal: a password change, an administrator
 * or its end date revoked it — and what to do, not the API's "send a valid token".
 */
function refusedToken(target: { url: string; from?: 'login' | 'given' }): string {
  return target.from === 'login'
    ? `Your login to ${target.url} was revoked or has expired (a password change ends every token): ` +
        `run tresor login --url ${target.url}`
    : 'The API token was revoked or has expired (a password change ends every token): create a new one ' +
        '(tresor tokens create, or API tokens in the web UI) and pass it as TRESOR_TOKEN';
}

export async function apiCall<T>(
  target: { url: string; token?: string; from?: 'login' | 'given' },
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(new URL(`/api/v1${path}`, target.url), {
      method,
      headers: {
        ...(target.token ? { authorization: `Bearer ${target.token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new TresorError(
      'UPSTREAM_FAILED',
      `Cannot reach Tresor at ${target.url} (${(error as Error).message}); check --url`,
    );
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (!response.ok) {
    const error = errorBody.safeParse(json.error).data ?? {};
    const code: ErrorCode = (errorCodes as readonly string[]).includes(error.code ?? '')
      ? (error.code as ErrorCode)
      : response.status === 429
        ? 'ACCESS_DENIED'
        : 'VALIDATION_FAILED';
    if (code === 'VALIDATION_FAILED' && error.issues)
      throw new ValidationError(error.issues, error.title ?? 'Invalid input');
    if (response.status === 401 && target.token) throw new TresorError('UNAUTHENTICATED', refusedToken(target));
    throw new TresorError(
      code,
      error.message ?? `Tresor answered ${response.status}`,
      error.field === undefined ? {} : { field: error.field },
    );
  }
  return json as T;
}

const enc = encodeURIComponent;

export function remoteBackend(target: RemoteTarget): SecretsBackend {
  const call = <T>(method: string, path: string, body?: unknown) => apiCall<T>(target, method, path, body);
  return {
    types: async () => {
      const list = await call<{ items: { id: string }[] }>('GET', '/credential-types');
      return Promise.all(list.items.map((t) => call<TypeInfo>('GET', `/credential-types/${enc(t.id)}`)));
    },
    list: async (f) => {
      const q = new URLSearchParams({
        limit: String(f.limit),
        ...(f.type ? { type: f.type } : {}),
        ...(f.text ? { q: f.text } : {}),
        ...(f.after ? { after: f.after } : {}),
        ...(f.space ? { space: f.space } : {}),
      });
      return (await call<{ items: SecretInfo[] }>('GET', `/secrets?${q}`)).items;
    },
    show: (ref) => call<SecretInfo>('GET', `/secrets/${enc(ref)}`),
    create: (input) => call<SecretInfo>('POST', '/secrets', input),
    update: (ref, input) => call<{ secret: SecretInfo; changed: boolean }>('PATCH', `/secrets/${enc(ref)}`, input),
    delete: (ref, options) => call<void>('DELETE', `/secrets/${enc(ref)}${options?.force ? '?force=true' : ''}`),
    noticeRecipients: async (ref, replace) =>
      (
        await call<{ recipients: string[] }>(
          replace === undefined ? 'GET' : 'PUT',
          `/secrets/${enc(ref)}/notice-recipients`,
          replace === undefined ? undefined : { recipients: replace },
        )
      ).recipients,
    usage: (ref) => call<SecretUsage>('GET', `/secrets/${enc(ref)}/usage`),
    shares: async (ref) => (await call<{ items: Share[] }>('GET', `/secrets/${enc(ref)}/shares`)).items,
    share: (ref, t) => call<Share>('POST', `/secrets/${enc(ref)}/shares`, t),
    unshare: (ref, shareId) => call<void>('DELETE', `/secrets/${enc(ref)}/shares/${enc(shareId)}`),
    versions: async (ref, environment) =>
      (
        await call<{ items: VersionRow[] }>(
          'GET',
          `/secrets/${enc(ref)}/versions${environment ? `?environment=${enc(environment)}` : ''}`,
        )
      ).items,
    compare: (ref, from, to) => call<Comparison>('GET', `/secrets/${enc(ref)}/versions/compare?from=${from}&to=${to}`),
    rollback: (ref, to, reason) =>
      call<SecretInfo>('POST', `/secrets/${enc(ref)}/rollback`, {
        version: to,
        ...(reason === undefined ? {} : { reason }),
      }),
    test: (ref) => call<TestOutcome>('POST', `/secrets/${enc(ref)}/test`, {}),
    oauth2: (ref) => call<OAuth2Connection>('GET', `/secrets/${enc(ref)}/oauth2`),
    forgetOAuth2: (ref) => call<void>('DELETE', `/secrets/${enc(ref)}/oauth2`),
  };
}
