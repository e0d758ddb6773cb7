/**
 * A client for Jira Cloud's REST API v3 (myself, create issue, search) that signs in with
 * the e-mail and API token of a Jira credential usable by the caller. The credential is
 * fetched for each client, through use(); the token goes only into the Authorization header.
 */
import { request as httpsRequest } from 'node:https';
import { Jira } from '../../../credential-types/jira.ts';
import { TresorError, UpstreamError } from '../../errors.ts';
import type { Principal } from '../../identity/principal.ts';
import { tlsServerName } from '../../net/egress-policy.ts';
import type { ModuleContext } from '../module-context.ts';

export interface JiraModuleOptions {
  /** TLS trust for a private CA (PEM), e.g. a test server; system roots otherwise. */
  ca?: string | Buffer;
  timeoutMs?: number;
}

export interface JiraUser {
  accountId: string;
  emailAddress?: string;
  displayName: string;
}

export interface CreatedIssue {
  id: string;
  key: string;
  self: string;
}

export interface SearchResult {
  issues: { id: string; key: string; fields: Record<string, unknown> }[];
  total?: number;
}

/** Atlassian Document Format for a plain-text description. */
const adf = (text: string) => ({
  type: 'doc',
  version: 1,
  content: [{ type: 'paragraph', content: [{ type: 'text', text }] }],
});

export function jiraModule(context: ModuleContext, options: JiraModuleOptions = {}) {
  return {
    /** A client acting for `as` with the Jira secret `secret`. */
    async client(as: Principal, secret: string) {
      const { metadata, value } = await context.use(Jira, as, secret, { module: 'jira' });
      const site = new URL(value.siteUrl);
      const authorization = `Basic ${Buffer.from(`${value.email}:${value.apiToken}`).toString('base64')}`;

      async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        const target = new URL(path, site);
        // Only where the egress policy allows, to the address it vetted (the name stays for TLS and Host).
        const [address] = await context.egress.resolve(target.hostname);
        return new Promise<T>((resolve, reject) => {
          const req = httpsRequest(
            {
              hostname: address,
              port: target.port || 443,
              path: `${target.pathname}${target.search}`,
              servername: tlsServerName(target.hostname),
              method,
              ca: options.ca,
              timeout: options.timeoutMs ?? 15_000,
              headers: {
                host: target.host,
                authorization,
                accept: 'application/json',
                ...(payload
                  ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
                  : {}),
              },
            },
            (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (c: Buffer) => chunks.push(c));
              res.on('end', () => {
                const text = Buffer.concat(chunks).toString('utf8');
                const status = res.statusCode ?? 0;
                if (status === 401 || status === 403)
                  return reject(
                    new UpstreamError(
                      `Jira at ${site.host} refused the e-mail and API token of secret "${metadata.name}" ` +
                        `(${status}); update the secret`,
                    ),
                  );
                if (status === 404)
                  return reject(new TresorError('NOT_FOUND', `Jira at ${site.host} has no ${path.split('?')[0]}`));
                if (status < 200 || status >= 300)
                  return reject(
                    new UpstreamError(
                      `Jira at ${site.host} answered ${status} to ${method} ${path.split('?')[0]}: ` +
                        `${text.slice(0, 300)}`,
                    ),
                  );
                try {
                  resolve((text ? JSON.parse(text) : {}) as T);
                } catch (error) {
                  reject(new UpstreamError(`Jira at ${site.host} sent a body that is not JSON`, error));
                }
              });
            },
          );
          req.on('timeout', () => req.destroy(new Error('timeout')));
          req.on('error', (error) =>
            reject(
              new UpstreamError(
                `Cannot reach Jira at ${site.host} (${(error as NodeJS.ErrnoException).code ?? error.message})`,
                error,
              ),
            ),
          );
          req.end(payload);
        });
      }

      return {
        myself: () => call<JiraUser>('GET', '/rest/api/3/myself'),
        createIssue: (issue: { projectKey: string; summary: string; issueType?: string; description?: string }) =>
          call<CreatedIssue>('POST', '/rest/api/3/issue', {
            fields: {
              project: { key: issue.projectKey },
              summary: issue.summary,
              issuetype: { name: issue.issueType ?? 'Task' },
              ...(issue.description ? { description: adf(issue.description) } : {}),
            },
          }),
        search: (jql: string, options: { maxResults?: number; fields?: string[] } = {}) =>
          call<SearchResult>('POST', '/rest/api/3/search/jql', {
            jql,
            maxResults: options.maxResults ?? 50,
            fields: options.fields ?? ['summary', 'status'],
          }),
      };
    },
  };
}

export type JiraModule = ReturnType<typeof jiraModule>;
