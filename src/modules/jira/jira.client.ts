/**
 * A client for Jira Cloud's REST API v3 (myself, create issue, search) that signs in with
 * the e-mail and API token of a Jira credential usable by the caller. Written on
 * `context.http()`: Tresor applies the credential as the Jira type declares (basic auth) and
 * only to the secret's own site, so this module never holds the token. Each client is a use.
 */
import { TresorError, UpstreamError } from '../../errors.ts';
import type { Principal } from '../../identity/principal.ts';
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
      // The credential is applied by Tresor (the Jira type's authenticate): this module never holds the token.
      const http = await context.http(as, secret, {
        module: 'jira',
        type: 'jira',
        ...(options.ca === undefined ? {} : { ca: options.ca }),
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      });
      const site = new URL(String(http.fields.siteUrl));

      async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        const { status, text } = await http.request(new URL(path, site), {
          method,
          headers: { accept: 'application/json', ...(payload ? { 'content-type': 'application/json' } : {}) },
          ...(payload === undefined ? {} : { body: payload }),
        });
        if (status === 401 || status === 403)
          throw new UpstreamError(
            `Jira at ${site.host} refused the e-mail and API token of secret "${http.secret}" ` +
              `(${status}); update the secret`,
          );
        if (status === 404) throw new TresorError('NOT_FOUND', `Jira at ${site.host} has no ${path.split('?')[0]}`);
        if (status < 200 || status >= 300)
          throw new UpstreamError(
            `Jira at ${site.host} answered ${status} to ${method} ${path.split('?')[0]}: ${text.slice(0, 300)}`,
          );
        try {
          return (text ? JSON.parse(text) : {}) as T;
        } catch (error) {
          throw new UpstreamError(`Jira at ${site.host} sent a body that is not JSON`, error);
        }
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
