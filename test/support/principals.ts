/** Users and groups for authorisation tests, created through the services as an administrator would. */
import type { Permission } from '../../src/identity/permissions.ts';
import { type Principal, systemPrincipal } from '../../src/identity/principal.ts';
import type { Tresor } from '../../src/tresor.ts';

let counter = 0;

export async function createUser(
  tresor: Tresor,
  admin: Principal,
  label: string,
  permissions: Permission[] = [],
  groups: string[] = [],
): Promise<{ kind: 'user'; id: string; email: string }> {
  const email = `${label}-${++counter}@example.test`;
  // The password is set as the host's operator sets one (local mode): an administrator never chooses it.
  const user = await tresor.users.create(systemPrincipal, {
    email,
    displayName: label,
    password: 'correct horse battery staple',
  });
  for (const p of permissions) await tresor.groups.grant(admin, { userId: user.id }, p);
  for (const g of groups) await tresor.groups.addMember(admin, g, user.id);
  return { kind: 'user', id: user.id, email };
}

export async function createGroup(
  tresor: Tresor,
  admin: Principal,
  label: string,
): Promise<{ id: string; name: string }> {
  const group = await tresor.groups.create(admin, { name: `${label}-${++counter}` });
  return { id: group.id, name: group.name };
}
