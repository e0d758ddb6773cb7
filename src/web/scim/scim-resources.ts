/** Tresor's users and groups as SCIM 2.0 resources (RFC 7643), and the discovery documents. */
import type { UserRow } from '../../identity/identity.store.ts';
import type { ScimService } from '../../identity/scim/scim.service.ts';

const userSchema = 'urn:ietf:params:scim:schemas:core:2.0:User';
const groupSchema = 'urn:ietf:params:scim:schemas:core:2.0:Group';
type GroupRow = Awaited<ReturnType<ScimService['getGroup']>>;

export function listResponse(resources: readonly unknown[], startIndex: number, totalResults: number) {
  return {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
    totalResults,
    startIndex,
    itemsPerPage: resources.length,
    Resources: resources,
  };
}

export async function userResource(base: string, user: UserRow, scim: Pick<ScimService, 'membershipsOf'>) {
  const groups = await scim.membershipsOf(user.id);
  return {
    schemas: [userSchema],
    id: user.id,
    userName: user.email,
    displayName: user.displayName,
    name: { formatted: user.displayName },
    emails: [{ value: user.email, primary: true, type: 'work' }],
    active: !user.disabled,
    groups: groups.map((g) => ({ value: g.id, display: g.description || g.name, $ref: `${base}/Groups/${g.id}` })),
    meta: {
      resourceType: 'User',
      created: user.createdAt.toISOString(),
      lastModified: user.updatedAt.toISOString(),
      location: `${base}/Users/${user.id}`,
    },
  };
}

export async function groupResource(base: string, group: GroupRow, scim: Pick<ScimService, 'membersOf'>) {
  const members = await scim.membersOf(group);
  return {
    schemas: [groupSchema],
    id: group.id,
    displayName: group.description || group.name,
    members: members.map((m) => ({ value: m.id, display: m.email, $ref: `${base}/Users/${m.id}` })),
    meta: { resourceType: 'Group', created: group.createdAt.toISOString(), location: `${base}/Groups/${group.id}` },
  };
}

export const serviceProviderConfig = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
  documentationUri: 'https://github.com/tresor/tresor#provisioning-scim-20',
  patch: { supported: true },
  bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
  filter: { supported: true, maxResults: 500 },
  changePassword: { supported: false },
  sort: { supported: false },
  etag: { supported: false },
  authenticationSchemes: [
    { type: 'oauthbearertoken', name: 'Bearer token', description: 'TRESOR_SCIM_TOKEN, sent as Authorization: Bearer' },
  ],
  meta: { resourceType: 'ServiceProviderConfig' },
};

export const scimSchemas = [
  {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
    id: userSchema,
    name: 'User',
    attributes: ['userName', 'displayName', 'name', 'emails', 'active', 'externalId', 'groups'].map((name) => ({
      name,
      mutability: name === 'groups' ? 'readOnly' : 'readWrite',
    })),
  },
  {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
    id: groupSchema,
    name: 'Group',
    attributes: ['displayName', 'members'].map((name) => ({ name, mutability: 'readWrite' })),
  },
];
