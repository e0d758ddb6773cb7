/** Google APIs through OAuth2: the endpoints preset, offline access asked for so Tresor gets a refresh token. */
import { Credential, Field, OAuth2 } from 'tresor';

@Credential({
  id: 'google-oauth2',
  name: { en: 'Google (OAuth2)', de: 'Google (OAuth2)' },
  description: {
    en: 'A Google Cloud OAuth client, connected to a Google account.',
    de: 'Ein Google-Cloud-OAuth-Client, mit einem Google-Konto verbunden.',
  },
  logo: 'google.svg',
  // Modules' context.http() sends the access token to Google's APIs, nowhere else.
  allowedDomains: ['*.googleapis.com'],
})
export class GoogleOAuth2 extends OAuth2 {
  @Field({
    label: { en: 'Authorization URL', de: 'Autorisierungs-URL' },
    style: 'url',
    destination: true,
    protocols: ['https'],
    default: 'https://accounts.google.com/o/oauth2/v2/auth',
  })
  override authorizationUrl!: string;

  @Field({
    label: { en: 'Token URL', de: 'Token-URL' },
    style: 'url',
    destination: true,
    protocols: ['https'],
    default: 'https://oauth2.googleapis.com/token',
  })
  override tokenUrl!: string;

  @Field({ label: { en: 'Scopes', de: 'Scopes' }, default: 'openid email' })
  override scopes?: string;

  @Field({ label: { en: 'Extra parameters', de: 'Weitere Parameter' }, default: 'access_type=offline&prompt=consent' })
  override extraParameters?: string;
}
