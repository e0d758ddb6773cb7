/**
 * A client for Jira Cloud's REST API v3 (myself, create issue, search) that signs in with
 * the e-mail and API token of a Jira credential usable by the caller. The credential is
 * fetched for each client, through use(); the token goes only into the Authorization header.
 */
import { Jira } from '../../../credential-types/jira.ts';
import { TresorError, UpstreamError } from '../../errors.ts';
import type { Principal } from '../../identity/principal.ts';
import { outboundHttps } from '../../net/outbound-https.ts';
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
        const { status, text } = await outboundHttps({
          url: new URL(path, site),
          method,
          egress: context.egress,
          ca: options.ca,
          timeoutMs: options.timeoutMs,
          headers: {
            authorization,
            accept: 'application/json',
            ...(payload ? { 'content-type': 'application/json' } : {}),
          },
          body: payload,
        });
        if (status === 401 || status === 403)
          throw new UpstreamError(
            `Jira at ${site.host} refused the e-mail and API token of secret "${metadata.name}" ` +
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
