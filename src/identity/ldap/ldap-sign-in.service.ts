/**
 * Passwords checked against the company's directory (LDAP), with ldapts: the login is found
 * (searched with the service account, or turned into a DN by the template), the person's
 * own password is bound with, and the entry's address, name, stable id and groups become a
 * Tresor user by the identity-link rules every outside source shares (mirrored groups
 * managed by `ldap`, synced at every sign-in).
 *
 * Injection: the login reaches a filter only escaped as RFC 4515 says, and a DN only escaped
 * as RFC 4514 says; an empty password is refused before the directory sees it (a simple bind
 * with none is an anonymous bind, which succeeds).
 */
import { Client, type Entry, Filter, InvalidCredentialsError } from 'ldapts';
import { TresorError, UpstreamError } from '../../errors.ts';
import type { IdentityLinkService } from '../identity-link.service.ts';
import type { User } from '../user.service.ts';
import type { LdapSettings } from './ldap-settings.ts';

/** What a password sign-in against the directory came to. */
export type LdapOutcome = { kind: 'signed-in'; user: User } | { kind: 'not-in-directory' };

const refused = (message: string) => new TresorError('UNAUTHENTICATED', message);
const first = (value: Entry[string] | undefined): string | undefined => {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined) return undefined;
  return Buffer.isBuffer(v) ? v.toString('hex') : String(v);
};
const all = (value: Entry[string] | undefined): string[] =>
  (Array.isArray(value) ? value : value === undefined ? [] : [value]).map((v) =>
    Buffer.isBuffer(v) ? v.toString('utf8') : String(v),
  );

/** A login the directory may be asked about: printable, no longer than an address. */
function checkedLogin(login: unknown): string | undefined {
  if (typeof login !== 'string') return undefined;
  const trimmed = login.trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused here
  return trimmed.length > 0 && trimmed.length <= 256 && !/[\u0000-\u001f\u007f]/.test(trimmed) ? trimmed : undefined;
}

/** `{login}` of a DN template as one escaped attribute value (RFC 4514). */
function dnFor(template: string, login: string): string {
  const escaped = login
    .replace(/[\\,+"<>;=#]/g, (c) => `\\${c}`)
    .replace(/^ /, '\\ ')
    .replace(/ $/, '\\ ');
  return template.replaceAll('{login}', escaped);
}

export function ldapSignInFactory({
  settings,
  links,
  timeoutMs,
}: {
  settings: LdapSettings;
  links: IdentityLinkService;
  timeoutMs: number;
}) {
  const { attributes } = settings;
  const wanted = [attributes.id, attributes.email, attributes.name, 'memberOf'];

  /** A connection, upgraded with StartTLS when configured; the directory being away is an upstream failure. */
  async function connect(): Promise<Client> {
    const tlsOptions = settings.ca ? { ca: settings.ca } : {};
    // TLS options in the constructor are for ldaps:// alone: given with ldap://, StartTLS fails.
    const client = new Client({
      url: settings.url,
      timeout: timeoutMs,
      connectTimeout: timeoutMs,
      ...(settings.url.startsWith('ldaps:') ? { tlsOptions } : {}),
    });
    try {
      if (settings.startTls) await client.startTLS(tlsOptions);
      return client;
    } catch (error) {
      await client.unbind().catch(() => undefined);
      throw new UpstreamError(`The directory could not be reached securely: ${(error as Error).message}`, error);
    }
  }

  async function upstream<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof TresorError || error instanceof InvalidCredentialsError) throw error;
      throw new UpstreamError(`The directory failed while ${what}: ${(error as Error).message}`, error);
    }
  }

  /** The entry for a login by search (service account or anonymous), or undefined. */
  async function findEntry(client: Client, login: string): Promise<Entry | undefined> {
    const search = settings.userSearch!;
    if (settings.bind)
      await upstream('binding the service account', () => client.bind(settings.bind!.dn, settings.bind!.password));
    const filter = search.filter.replaceAll('{login}', Filter.escape(login));
    const { searchEntries } = await upstream('searching for the login', () =>
      client.search(search.base, { scope: 'sub', filter, attributes: wanted, sizeLimit: 2 }),
    );
    if (searchEntries.length > 1) throw refused('This login names more than one entry in the directory');
    return searchEntries[0];
  }

  async function groupsOf(client: Client, entry: Entry): Promise<string[] | undefined> {
    const groups = settings.groups;
    if (groups.from === 'none') return undefined;
    if (groups.from === 'memberOf')
      return all(entry.memberOf).flatMap((dn) => {
        const value = /^[^=]+=((?:\\.|[^,\\])*)/.exec(dn)?.[1];
        return value ? [value.replace(/\\(.)/g, '$1')] : [];
      });
    const filter = groups.filter.replaceAll('{dn}', Filter.escape(entry.dn));
    const { searchEntries } = await upstream('reading the groups', () =>
      client.search(groups.base, { scope: 'sub', filter, attributes: [groups.nameAttribute] }),
    );
    return searchEntries.flatMap((g) => {
      const name = first(g[groups.nameAttribute]);
      return name ? [name] : [];
    });
  }

  return {
    /**
     * Signs a login in against the directory: the linked user, `not-in-directory` when no entry
     * has that login (search mode), or UNAUTHENTICATED (wrong password, ambiguous login,
     * refused by the link rules); UPSTREAM_FAILED when the directory cannot be reached.
     */
    async authenticate(loginInput: unknown, password: unknown): Promise<LdapOutcome> {
      const login = checkedLogin(loginInput);
      if (!login) throw refused('Wrong login or password, or the account is disabled');
      if (typeof password !== 'string' || password === '')
        throw refused('Wrong login or password, or the account is disabled');
      const client = await connect();
      try {
        let entry: Entry | undefined;
        let dn: string;
        if (settings.userSearch) {
          entry = await findEntry(client, login);
          if (!entry) return { kind: 'not-in-directory' };
          dn = entry.dn;
        } else {
          dn = dnFor(settings.userDn!, login);
        }
        try {
          await upstream('checking the password', () => client.bind(dn, password));
        } catch (error) {
          if (error instanceof InvalidCredentialsError)
            throw refused('Wrong login or password, or the account is disabled');
          throw error;
        }
        if (!entry) {
          const { searchEntries } = await upstream('reading the entry', () =>
            client.search(dn, { scope: 'base', attributes: wanted }),
          );
          entry = searchEntries[0];
          if (!entry) throw refused('The directory does not show this entry to its owner');
        }
        const subject = first(entry[attributes.id]) ?? entry.dn;
        const user = await links.signIn(
          {
            source: 'ldap',
            subject,
            email: first(entry[attributes.email]),
            // The directory is the company's own record: its address is vouched for.
            emailVerified: true,
            displayName: first(entry[attributes.name]),
            groups: await groupsOf(client, entry),
          },
          settings.policy,
        );
        return { kind: 'signed-in', user };
      } finally {
        await client.unbind().catch(() => undefined);
      }
    },
  };
}

export type LdapSignIn = ReturnType<typeof ldapSignInFactory>;
