/**
 * Secrets from environment variables: with TRESOR_PROVIDER_ENV=VAULT_, the variables
 * VAULT_MAIL_RELAY__TYPE=smtp, VAULT_MAIL_RELAY__HOST=…, VAULT_MAIL_RELAY__PASSWORD=… are the
 * secret `mail-relay` of type smtp. `__USERS` and `__GROUPS` (comma-separated e-mails and
 * group names) say who may use it. The variables are read once, at start, as the process
 * got them.
 */
import { listOf, type ProvidedSecret, type SecretProvider } from './provider.ts';

export function envProvider(prefix: string, variables: Readonly<Record<string, string>>): SecretProvider {
  const secrets = new Map<string, ProvidedSecret>();
  for (const [variable, value] of Object.entries(variables)) {
    if (!variable.startsWith(prefix)) continue;
    const [rawName, field] = variable.slice(prefix.length).split('__', 2);
    if (!rawName || !field) continue;
    const name = rawName.toLowerCase().replaceAll('_', '-');
    const secret = secrets.get(name) ?? {
      provider: 'env',
      name,
      source: `${prefix}${rawName}__*`,
      type: undefined,
      fields: {},
      users: [],
      groups: [],
    };
    if (field === 'TYPE') secret.type = value.trim();
    else if (field === 'USERS') secret.users = listOf(value);
    else if (field === 'GROUPS') secret.groups = listOf(value);
    else secret.fields[field] = value;
    secrets.set(name, secret);
  }
  const all = [...secrets.values()];
  return { id: 'env', load: async () => all };
}
