/**
 * LDAP sign-in against a real directory (Debian's slapd on loopback, StartTLS with a test CA),
 * over the API and the sign-in page, on both databases: search-then-bind with a service
 * account, groups from a group search mirrored as groups managed by `ldap` and synced at every
 * sign-in, a wrong password, a disabled entry, injection in the login, the local break-glass
 * account while the directory is away; and bind-as-the-user with a DN template.
 */
import { Attribute, Change } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UiClient } from '../support/browser-session.ts';
import { databaseKinds } from '../support/databases.ts';
import { type TestApp, testApp } from '../support/http.ts';
import {
  ldapAvailable,
  type Person,
  serviceDn,
  servicePassword,
  startLdapServer,
  suffix,
  type TestLdapServer,
} from '../support/ldap-server.ts';

const people: Person[] = [
  { uid: 'alice', password: 'alice directory password', mail: 'alice@acme.example', cn: 'Alice Liddell' },
  { uid: 'bob', password: 'bob directory password', mail: 'bob@acme.example', cn: 'Bob' },
  {
    uid: 'mallory',
    password: 'mallory directory password',
    mail: 'mallory@acme.example',
    cn: 'Mallory',
    disabled: true,
  },
  { uid: 'carol', password: 'carol directory password', mail: 'carol@elsewhere.example', cn: 'Carol' },
];

const exchange = (h: TestApp, login: string, password: string) =>
  h.api('POST', '/api/v1/auth/token', undefined, { email: login, password });

describe.skipIf(!ldapAvailable)('LDAP sign-in (slapd)', () => {
  let directory: TestLdapServer;
  beforeAll(async () => {
    directory = await startLdapServer(people, { payments: ['alice'], 'Platform Team': ['alice', 'bob'] });
  });
  afterAll(async () => directory?.close());

  const searchEnv = () => ({
    TRESOR_LDAP_URL: directory.url,
    TRESOR_LDAP_START_TLS: 'true',
    TRESOR_LDAP_CA_FILE: directory.caFile,
    TRESOR_LDAP_BIND_DN: serviceDn,
    TRESOR_LDAP_BIND_PASSWORD: servicePassword,
    TRESOR_LDAP_USER_BASE: `ou=people,${suffix}`,
    TRESOR_LDAP_USER_FILTER: '(&(objectClass=inetOrgPerson)(|(uid={login})(mail={login}))(!(employeeType=disabled)))',
    TRESOR_LDAP_GROUPS: 'search',
    TRESOR_LDAP_GROUP_BASE: `ou=groups,${suffix}`,
    TRESOR_LDAP_ALLOWED_DOMAINS: 'acme.example',
    TRESOR_LOGIN_ATTEMPTS_PER_MINUTE: '1000',
  });

  describe.each(databaseKinds)('search-then-bind on %s', (kind) => {
    let h: TestApp;
    beforeAll(async () => {
      h = await testApp(kind, searchEnv());
    });
    afterAll(async () => h?.close());

    it('signs in by user name or address, creates the user once, and mirrors the groups as managed by ldap', async () => {
      const first = await exchange(h, 'alice', 'alice directory password');
      expect(first.statusCode).toBe(200);
      const me = (await h.api('GET', '/api/v1/me', first.json().token)).json();
      expect(me).toMatchObject({ email: 'alice@acme.example', displayName: 'Alice Liddell' });
      const again = await exchange(h, 'alice@acme.example', 'alice directory password');
      expect((await h.api('GET', '/api/v1/me', again.json().token)).json().id).toBe(me.id);
      const groups = await h.tresor.groups.list(h.admin, { for: 'admin' });
      expect(
        groups
          .filter((g) => g.managedBy === 'ldap')
          .map((g) => g.name)
          .sort(),
      ).toEqual(['payments', 'platform-team']);
      const members = await h.tresor.groups.members(h.admin, 'payments');
      expect(members.map((m) => m.email)).toEqual(['alice@acme.example']);
      const logins = await h.tresor.audit.query(h.admin, { action: 'auth.login' });
      expect(logins.find((e) => e.actorId === me.id)?.details).toEqual({ method: 'ldap' });
      // A directory account has no Tresor password: nothing to reset, nothing to guess locally.
      expect((await h.tresor.users.get(h.admin, me.id)).signsInElsewhere).toBe(true);
    });

    it('follows group changes in the directory at the next sign-in', async () => {
      const admin = await directory.admin();
      try {
        // Bob moves from the platform team to payments (each database's run sets the same state).
        const members = (uids: string[]) =>
          new Attribute({ type: 'member', values: uids.map((uid) => `uid=${uid},ou=people,${suffix}`) });
        await admin.modify(`cn=payments,ou=groups,${suffix}`, [
          new Change({ operation: 'replace', modification: members(['alice', 'bob']) }),
        ]);
        await admin.modify(`cn=Platform Team,ou=groups,${suffix}`, [
          new Change({ operation: 'replace', modification: members(['alice']) }),
        ]);
      } finally {
        await admin.unbind();
      }
      expect((await exchange(h, 'bob', 'bob directory password')).statusCode).toBe(200);
      expect((await h.tresor.groups.members(h.admin, 'payments')).map((m) => m.email).sort()).toEqual([
        'alice@acme.example',
        'bob@acme.example',
      ]);
      expect((await h.tresor.groups.members(h.admin, 'platform-team')).map((m) => m.email)).toEqual([
        'alice@acme.example',
      ]);
      const synced = await h.tresor.audit.query(h.admin, { action: 'membership.synced' });
      expect(synced[0]?.details).toMatchObject({ source: 'ldap', added: ['payments'] });
    });

    it('refuses a wrong password, a disabled entry, an empty password and a domain not allowed — creating nobody', async () => {
      const before = (await h.tresor.users.list(h.admin)).length;
      for (const [login, password] of [
        ['alice', 'not her password'],
        ['mallory', 'mallory directory password'],
        ['alice', ''],
        ['carol', 'carol directory password'],
        ['nobody', 'whatever it is'],
      ] as const) {
        const answer = await exchange(h, login, password);
        expect(answer.statusCode, `${login}/${password}`).toBe(401);
      }
      expect((await h.tresor.users.list(h.admin)).length).toBe(before);
      const failed = await h.tresor.audit.query(h.admin, { action: 'auth.login_failed' });
      expect(failed.some((e) => (e.details as { method: string }).method === 'ldap')).toBe(true);
    });

    it('refuses LDAP injection in the login: wildcards and filter syntax match nobody', async () => {
      for (const login of ['*', 'a*', '*)(uid=*', 'alice)(|(uid=*', '*)(|(objectClass=*', 'alice\\2a', '(uid=alice)']) {
        const answer = await exchange(h, login, 'alice directory password');
        expect(answer.statusCode, login).toBe(401);
      }
    });

    it("keeps a disabled Tresor user out whatever the directory says, and the page's form takes a user name", async () => {
      const bob = await h.tresor.users.findByEmail('bob@acme.example');
      await h.tresor.users.setDisabled(h.admin, bob!.id, true);
      expect((await exchange(h, 'bob', 'bob directory password')).statusCode).toBe(401);
      await h.tresor.users.setDisabled(h.admin, bob!.id, false);

      const browser = new UiClient(h.app);
      const page = await browser.get('/login');
      expect(page.body).toContain('E-mail or user name');
      const signedIn = await browser.login('alice', 'alice directory password');
      expect(signedIn.statusCode).toBe(302);
      expect((await browser.get('/secrets')).statusCode).toBe(200);
    });
  });

  it('signs in the local break-glass account while the directory is away, and no one else', async () => {
    const h = await testApp('pglite', {
      ...searchEnv(),
      TRESOR_LDAP_URL: 'ldap://127.0.0.1:9',
      TRESOR_LDAP_START_TLS: 'false',
    });
    try {
      const admin = await h.tresor.users.get(h.admin, (h.admin as { id: string }).id);
      expect((await exchange(h, admin.email, 'correct horse battery staple')).statusCode).toBe(200);
      expect((await exchange(h, 'alice', 'alice directory password')).statusCode).toBe(401);
    } finally {
      await h.close();
    }
  });

  it('speaks LDAPS, checking the directory against the CA file (without it, the directory is refused)', async () => {
    const withCa = await testApp('pglite', {
      ...searchEnv(),
      TRESOR_LDAP_URL: directory.ldapsUrl,
      TRESOR_LDAP_START_TLS: 'false',
    });
    const withoutCa = await testApp('pglite', {
      ...searchEnv(),
      TRESOR_LDAP_URL: directory.ldapsUrl,
      TRESOR_LDAP_START_TLS: 'false',
      TRESOR_LDAP_CA_FILE: '',
    });
    try {
      expect((await exchange(withCa, 'alice', 'alice directory password')).statusCode).toBe(200);
      // A certificate from an unknown CA: the directory is not spoken to, and no one gets in by it.
      expect((await exchange(withoutCa, 'alice', 'alice directory password')).statusCode).toBe(401);
      expect(await withoutCa.tresor.users.findByEmail('alice@acme.example')).toBeUndefined();
    } finally {
      await withCa.close();
      await withoutCa.close();
    }
  });

  it('reads groups from memberOf (the directory keeps it on the person)', async () => {
    const admin = await directory.admin();
    try {
      await admin.add(`cn=auditors,ou=groups,${suffix}`, {
        objectClass: 'groupOfNames',
        cn: 'auditors',
        member: [`uid=carol,ou=people,${suffix}`],
      });
    } finally {
      await admin.unbind();
    }
    const h = await testApp('pglite', {
      ...searchEnv(),
      TRESOR_LDAP_GROUPS: 'memberOf',
      TRESOR_LDAP_ALLOWED_DOMAINS: '',
    });
    try {
      expect((await exchange(h, 'carol', 'carol directory password')).statusCode).toBe(200);
      const managed = (await h.tresor.groups.list(h.admin, { for: 'admin' })).filter((g) => g.managedBy === 'ldap');
      expect(managed.map((g) => g.name)).toEqual(['auditors']);
    } finally {
      await h.close();
    }
  });

  it('binds as the user by a DN template (no service account), groups from a search on its own connection', async () => {
    const h = await testApp('pglite', {
      TRESOR_LDAP_URL: directory.url,
      TRESOR_LDAP_START_TLS: 'true',
      TRESOR_LDAP_CA_FILE: directory.caFile,
      TRESOR_LDAP_USER_DN: `uid={login},ou=people,${suffix}`,
      TRESOR_LDAP_GROUPS: 'search',
      TRESOR_LDAP_GROUP_BASE: `ou=groups,${suffix}`,
    });
    try {
      expect((await exchange(h, 'alice', 'alice directory password')).statusCode).toBe(200);
      expect((await exchange(h, 'alice', 'wrong')).statusCode).toBe(401);
      // DN syntax in the login is escaped into one value: it names no other entry.
      expect((await exchange(h, `tresor,ou=services`, servicePassword)).statusCode).toBe(401);
      expect((await h.tresor.groups.members(h.admin, 'payments')).map((m) => m.email)).toContain('alice@acme.example');
    } finally {
      await h.close();
    }
  });
});
