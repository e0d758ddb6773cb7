/**
 * How Tresor knows an OAuth2 type (one extending the OAuth2 base type, src/oauth2): it has
 * the base type's fields. Such a type's access token is applied to requests (`context.http()`)
 * without an `authenticate` declaration: only `allowedDomains` says where it may go.
 */
const oauth2FieldKeys = ['grant', 'clientId', 'clientSecret', 'tokenUrl', 'authorizationUrl'] as const;

export function hasOAuth2Fields(keys: Iterable<string>): boolean {
  const present = new Set(keys);
  return oauth2FieldKeys.every((key) => present.has(key));
}
