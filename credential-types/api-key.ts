/** An API key, optionally with the date it expires (which becomes the secret's expiry). */
import { Credential, Field } from 'tresor';

@Credential({
  id: 'api-key',
  name: 'API key',
  description: 'A single key or token for an HTTP API.',
  logo: 'api-key.svg',
  expiresFrom: 'expiresOn',
})
export class ApiKey {
  @Field({ label: 'Key', style: 'secret' })
  key!: string;

  @Field({
    label: 'Expires on',
    style: 'date',
    optional: true,
    help: 'Tresor warns before this date and refuses to hand out the key after it.',
  })
  expiresOn?: string;
}
