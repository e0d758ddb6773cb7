/**
 * SCIM 2.0 provisioning as identity providers drive it (RFC 7644 request flows, Okta's and
 * Entra ID's dialects), on both databases: find by userName, create, replace, PATCH active
 * (false ends the user's sessions and tokens at once), groups created managed by `scim` with
 * PATCH add/remove members, filters, errors as SCIM error documents, and the token required.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.ts';
import { type TestApp, testApp } from '../support/http.ts';
import { createUser } from '../support/principals.ts';

const scimToken = 'scim-bearer-token-of-the-identity-provider-0123456789';
const userSchema = 'urn:ietf:params:scim:schemas:core:2.0:User';
const patchSchema = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

describe.each(databaseKinds)('SCIM 2.0 on %s', (kind) => {
  let h: TestApp;
  const scim = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: unknown, token = scimToken) =>
    h.request({
      method,
      url: `/scim/v2${url}`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
  beforeAll(async () => {
    h = await testApp(kind, { TRESOR_SCIM_TOKEN: scimToken });
  });
  afterAll(async () => h?.close());

  it('refuses a request without the token, or with another, as a SCIM error', async () => {
    for (const token of ['', 'not-the-token']) {
      const answer = await scim('GET', '/Users', undefined, token);
      expect(answer.statusCode).toBe(401);
      expect(answer.headers['content-type']).toMatch(/^application\/scim\+json/);
      expect(answer.json()).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '401' });
    }
    expect((await scim('GET', '/ServiceProviderConfig')).json().patch).toEqual({ supported: true });
  });

  it('creates a user the way a provider does (find by userName, then POST), and refuses a second one', async () => {
    const email = `scim-alice-${kind}@acme.example`;
    const search = await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${email}"`)}`);
    expect(search.json()).toMatchObject({ totalResults: 0, Resources: [] });
    const created = await scim('POST', '/Users', {
      schemas: [userSchema],
      userName: email,
      name: { givenName: 'Alice', familyName: 'Liddell' },
      emails: [{ value: email, primary: true }],
      externalId: `okta-${kind}-00u1`,
      active: true,
    });
    expect(created.statusCode).toBe(201);
    const user = created.json();
    expect(user).toMatchObject({ userName: email, displayName: 'Alice Liddell', active: true, schemas: [userSchema] });
    expect(user.meta.location).toMatch(new RegExp(`/scim/v2/Users/${user.id}$`));
    const found = await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${email.toUpperCase()}"`)}`);
    expect(found.json().Resources.map((u: { id: string }) => u.id)).toEqual([user.id]);
    const byExternal = await scim('GET', `/Users?filter=${encodeURIComponent(`externalId eq "okta-${kind}-00u1"`)}`);
    expect(byExternal.json().totalResults).toBe(1);
    const twice = await scim('POST', '/Users', { schemas: [userSchema], userName: email });
    expect(twice.statusCode).toBe(409);
    expect(twice.json()).toMatchObject({ scimType: 'uniqueness', status: '409' });
    const bad = await scim('POST', '/Users', { schemas: [userSchema], userName: 'not an address' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().scimType).toBe('invalidValue');
    // Provisioned users have no Tresor password: they sign in by single sign-on or LDAP.
    expect((await h.tresor.users.get(h.admin, user.id)).signsInElsewhere).toBe(true);
    const audit = await h.tresor.audit.query(h.admin, { action: 'user.created' });
    expect(audit.find((e) => e.targetId === user.id)?.actorId).toBeNull();
  });

  it('deactivates with PATCH active=false (Entra ID sends "False"): sessions and tokens end at once', async () => {
    const person = await createUser(h.tresor, h.admin, `scim-leaver-${kind}`);
    const token = await h.tokenFor(person);
    expect((await h.api('GET', '/api/v1/me', token)).statusCode).toBe(200);
    const patched = await scim('PATCH', `/Users/${person.id}`, {
      schemas: [patchSchema],
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().active).toBe(false);
    expect((await h.api('GET', '/api/v1/me', token)).statusCode).toBe(401);
    // Okta's form: replace with a value object; then PUT renames; DELETE disables again (users are never removed).
    expect(
      (
        await scim('PATCH', `/Users/${person.id}`, {
          schemas: [patchSchema],
          Operations: [{ op: 'replace', value: { active: true } }],
        })
      ).json().active,
    ).toBe(true);
    const renamed = await scim('PUT', `/Users/${person.id}`, {
      schemas: [userSchema],
      userName: person.email,
      displayName: 'Renamed Leaver',
      active: true,
    });
    expect(renamed.json().displayName).toBe('Renamed Leaver');
    expect((await scim('DELETE', `/Users/${person.id}`)).statusCode).toBe(204);
    expect((await scim('GET', `/Users/${person.id}`)).json().active).toBe(false);
    expect((await scim('GET', '/Users/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
  });

  it('keeps groups and their members: created managed by scim, PATCH add and remove, never a local group', async () => {
    const [ann, ben] = [
      await createUser(h.tresor, h.admin, `scim-ann-${kind}`),
      await createUser(h.tresor, h.admin, `scim-ben-${kind}`),
    ];
    const group = await scim('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Payments Engineers',
      members: [{ value: ann.id }],
    });
    expect(group.statusCode).toBe(201);
    const id = group.json().id as string;
    expect(group.json()).toMatchObject({ displayName: 'Payments Engineers', members: [{ value: ann.id }] });
    const local = (await h.tresor.groups.list(h.admin, { for: 'admin' })).find((g) => g.id === id);
    expect(local).toMatchObject({ name: 'payments-engineers', managedBy: 'scim' });

    const add = await scim('PATCH', `/Groups/${id}`, {
      schemas: [patchSchema],
      Operations: [{ op: 'add', path: 'members', value: [{ value: ben.id }] }],
    });
    expect(
      add
        .json()
        .members.map((m: { value: string }) => m.value)
        .sort(),
    ).toEqual([ann.id, ben.id].sort());
    const remove = await scim('PATCH', `/Groups/${id}`, {
      schemas: [patchSchema],
      Operations: [{ op: 'remove', path: `members[value eq "${ann.id}"]` }],
    });
    expect(remove.json().members).toEqual([expect.objectContaining({ value: ben.id })]);
    expect((await h.tresor.groups.members(h.admin, 'payments-engineers')).map((m) => m.id)).toEqual([ben.id]);
    expect((await scim('GET', `/Users/${ben.id}`)).json().groups).toEqual([
      expect.objectContaining({ value: id, display: 'Payments Engineers' }),
    ]);
    // Members of a SCIM group are changed through SCIM only, not by a GROUP_ADMIN in Tresor.
    await expect(h.tresor.groups.addMember(h.admin, 'payments-engineers', ann.id)).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
    });
    // A group made in Tresor is not SCIM's to see or change.
    const own = await h.tresor.groups.create(h.admin, { name: `local-${kind}` });
    expect((await scim('GET', `/Groups/${own.id}`)).statusCode).toBe(404);
    const filtered = await scim('GET', `/Groups?filter=${encodeURIComponent('displayName eq "Payments Engineers"')}`);
    expect(filtered.json().totalResults).toBe(1);
    const unsupported = await scim('GET', `/Groups?filter=${encodeURIComponent('displayName co "Pay"')}`);
    expect(unsupported.statusCode).toBe(400);
    expect((await scim('DELETE', `/Groups/${id}`)).statusCode).toBe(204);
    expect((await h.tresor.groups.list(h.admin, { for: 'admin' })).some((g) => g.id === id)).toBe(false);
  });
});

describe('SCIM without a token configured', () => {
  it('serves no endpoint at all', async () => {
    const h = await testApp('pglite');
    try {
      const answer = await h.request({ method: 'GET', url: '/scim/v2/Users', headers: { authorization: 'Bearer x' } });
      expect(answer.statusCode).toBe(404);
    } finally {
      await h.close();
    }
  });
});
