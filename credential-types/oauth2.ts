/** Any OAuth2 authorization server: enter its endpoints, then Connect (or let client credentials fetch tokens). */
import { Credential, OAuth2 } from 'tresor';

@Credential({
  id: 'oauth2',
  name: { en: 'OAuth2', de: 'OAuth2' },
  description: {
    en: 'A client of an OAuth2 authorization server: connect once, and modules get fresh access tokens.',
    de: 'Ein Client eines OAuth2-Servers: einmal verbinden, Module bekommen stets gültige Zugriffstoken.',
  },
  logo: 'oauth2.svg',
})
export class GenericOAuth2 extends OAuth2 {}
