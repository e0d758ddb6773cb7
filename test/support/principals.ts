/** Users and groups for authorisation tests, created through the services as an administrator would. */
import type { HostUser } from '../../src/identity/host/host-user.ts';
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

/**
 * The same people as a host app brings them (issue "Inside the host app"): a directory of host
 * users connected to Tresor, host groups made ahead and given permissions, principals from the
 * contract (`tresor.host.principalFor`) rather than from Tresor's own user list.
 */
export async function hostPeople(tresor: Tresor, admin: Principal) {
  const people = new Map<string, HostUser>();
  const subjects = new Map<string, string>();
  await tresor.host.connect({ lookup: (subject) => people.get(subject) });
  return {
    people,
    async group(label: string, permissions: Permission[] = []): Promise<{ id: string; name: string }> {
      const group = await tresor.groups.create(admin, { name: `${label}-${++counter}`, managedBy: 'host' });
      for (const p of permissions) await tresor.groups.grant(admin, { groupId: group.id }, p);
      return { id: group.id, name: group.name };
    },
    async user(label: string, groups: string[] = []): Promise<{ kind: 'user'; id: string; email: string }> {
      const subject = `host-${label}-${++counter}`;
      const email = `${subject}@host.example.test`;
      people.set(subject, { subject, email, displayName: label, groups });
      const { id } = await tresor.host.principalFor(subject);
      subjects.set(id, subject);
      return { kind: 'user', id, email };
    },
    /** The host's subject of a user made here. */
    subjectOf(id: string): string {
      const subject = subjects.get(id);
      if (!subject) throw new Error(`${id} is not a host user made here`);
      return subject;
    },
  };
}
