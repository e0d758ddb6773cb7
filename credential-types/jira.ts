/** Jira Cloud access with an Atlassian API token, used by the Jira module. */
import type { TestCheck, TestContext } from 'tresor';
import {
  Credential,
  EgressDeniedError,
  Field,
  failed,
  HostNotFoundError,
  notTried,
  outboundHttps,
  passed,
  unreachable,
} from 'tresor';

@Credential({
  id: 'jira',
  name: { en: 'Jira API token', de: 'Jira-API-Token' },
  description: {
    en: 'Signs in to Jira Cloud with an account e-mail and an API token.',
    de: 'Meldet sich bei Jira Cloud mit der E-Mail-Adresse eines Kontos und einem API-Token an.',
  },
  logo: 'jira.svg',
  // Modules call Jira through context.http(): the token goes into the header here, never to them.
  authenticate: { kind: 'basic', username: 'email', password: 'apiToken' },
  allowedDomains: [{ field: 'siteUrl' }],
})
export class Jira {
  @Field({
    label: { en: 'Site URL', de: 'Website-URL' },
    style: 'url',
    destination: true,
    protocols: ['https'],
    placeholder: { en: 'https://your-team.atlassian.net', de: 'https://ihr-team.atlassian.net' },
  })
  siteUrl!: string;

  @Field({
    label: { en: 'E-mail', de: 'E-Mail' },
    style: 'email',
    help: { en: 'The Atlassian account the token belongs to.', de: 'Das Atlassian-Konto, zu dem das Token gehört.' },
  })
  email!: string;

  @Field({
    label: { en: 'API token', de: 'API-Token' },
    style: 'secret',
    help: {
      en: 'Create one at id.atlassian.com under Security → API tokens.',
      de: 'Unter id.atlassian.com bei Sicherheit → API-Token erstellen.',
    },
  })
  apiToken!: string;

  /** Signs in: GET /rest/api/3/myself with the e-mail and token, and reports the account. */
  async test(context: TestContext): Promise<TestCheck[]> {
    const site = new URL(this.siteUrl);
    let answer: { status: number; text: string };
    try {
      answer = await outboundHttps({
        url: new URL('/rest/api/3/myself', site),
        egress: context.egress,
        ca: context.ca,
        signal: context.signal,
        timeoutMs: context.budgetMs,
        headers: {
          authorization: `Basic ${Buffer.from(`${this.email}:${this.apiToken}`).toString('base64')}`,
          accept: 'application/json',
        },
      });
    } catch (error) {
      const { message } = error as { message: string };
      if (error instanceof EgressDeniedError || error instanceof HostNotFoundError)
        return unreachable(error, 'Reach the site', 'Sign in');
      return [passed('Destination allowed', site.host), failed('Reach the site', message), ...notTried('Sign in')];
    }
    const reached = [passed('Destination allowed', site.host), passed('Reach the site', `${site.host} answered`)];
    if (answer.status === 401 || answer.status === 403)
      return [...reached, failed('Sign in', `Jira refused the e-mail and API token (${answer.status})`)];
    if (answer.status < 200 || answer.status >= 300)
      return [...reached, failed('Sign in', `Jira answered ${answer.status} to GET /rest/api/3/myself`)];
    let account: { displayName?: unknown; emailAddress?: unknown };
    try {
      account = JSON.parse(answer.text) as typeof account;
    } catch {
      return [...reached, failed('Sign in', 'Jira’s answer is not JSON: is this a Jira site?')];
    }
    const name = typeof account.displayName === 'string' ? account.displayName : 'an account';
    const email = typeof account.emailAddress === 'string' ? ` <${account.emailAddress}>` : '';
    return [...reached, passed('Sign in', `Signed in as ${name}${email}`)];
  }
}
