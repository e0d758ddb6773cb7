/**
 * An app on a fresh database, driven through fastify's inject, recording every response so
 * suites can scan all of them for canaries at the end.
 */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Principal } from '../../src/identity/principal.ts';
import { buildApp } from '../../src/web/app.ts';
import { type DatabaseKind, type TestTresor, testTresor } from './databases.ts';

export interface TestApp extends TestTresor {
  app: FastifyInstance;
  /** Every response body and header seen so far. */
  seen: string[];
  request(options: InjectOptions): Promise<LightMyRequestResponse>;
  /** A bearer token for the principal (a user). */
  tokenFor(principal: Principal): Promise<string>;
  api(
    method: InjectOptions['method'],
    url: string,
    token: string | undefined,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
}

export async function testApp(kind: DatabaseKind, env: Record<string, string> = {}): Promise<TestApp> {
  const t = await testTresor(kind, env);
  const app = await buildApp(t.tresor);
  await app.ready();
  const seen: string[] = [];
  const request = async (options: InjectOptions) => {
    const response = await app.inject(options);
    seen.push(
      `${options.method ?? 'GET'} ${options.url} -> ${response.statusCode}\n${JSON.stringify(response.headers)}\n${response.body}`,
    );
    return response;
  };
  return {
    ...t,
    app,
    seen,
    request,
    async tokenFor(principal) {
      return (await t.tresor.sessions.createToken(principal, { name: 'test' })).token;
    },
    api(method, url, token, body, headers = {}) {
      return request({
        method,
        url,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
        ...(body === undefined ? {} : { payload: body as InjectOptions['payload'] }),
      });
    },
    async close() {
      await app.close();
      await t.close();
    },
  };
}
