/** Google APIs through OAuth2: the endpoints preset, offline access asked for so Tresor gets a refresh token. */
import { Credential, Field, OAuth2 } from 'tresor';

@Credential({
  id: 'google-oauth2',
  name: 'Google (OAuth2)',
  description: { en: 'A Google Cloud OAuth client, connected to a Google account.', de: 'Ein Google-OAuth-Client.' },
  logo: 'google.svg',
})
export class GoogleOAuth2 extends OAuth2 {
  @Field({
    label: 'Authorization URL',
    style: 'url',
    destination: true,
    protocols: ['https'],
    default: 'https://accounts.google.com/o/oauth2/v2/auth',
  })
  override authorizationUrl!: string;

  @Field({
    label: 'Token URL',
    style: 'url',
    destination: true,
    protocols: ['https'],
    default: 'https://oauth2.googleapis.com/token',
  })
  override tokenUrl!: string;

  @Field({ label: 'Scopes', default: 'openid email' })
  override scopes?: string;

  @Field({ label: 'Extra parameters', default: 'access_type=offline&prompt=consent' })
  override extraParameters?: string;
}
