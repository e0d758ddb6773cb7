/** Jira Cloud access with an Atlassian API token, used by the Jira module. */
import { Credential, Field } from 'tresor';

@Credential({
  id: 'jira',
  name: 'Jira API token',
  description: 'Signs in to Jira Cloud with an account e-mail and an API token.',
  logo: 'jira.svg',
})
export class Jira {
  @Field({
    label: 'Site URL',
    style: 'url',
    destination: true,
    protocols: ['https'],
    placeholder: 'https://your-team.atlassian.net',
  })
  siteUrl!: string;

  @Field({ label: 'E-mail', style: 'email', help: 'The Atlassian account the token belongs to.' })
  email!: string;

  @Field({ label: 'API token', style: 'secret', help: 'Create one at id.atlassian.com under Security → API tokens.' })
  apiToken!: string;
}
