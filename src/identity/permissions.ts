/** The permissions Tresor knows, and what each one implies. */
export const permissions = [
  'SECRET_MANAGEMENT',
  'SECRET_MANAGEMENT_CREATE',
  'SECRET_MANAGEMENT_UPDATE',
  'SECRET_MANAGEMENT_DELETE',
  'USER_ADMIN',
  'GROUP_ADMIN',
  'KEY_ADMIN',
  'AUDIT_READ',
  /** Registering webhook endpoints: they are told of every change (names and actors, never values). */
  'WEBHOOK_ADMIN',
  /**
   * Exporting and importing secrets with their values (archives for another instance). Not
   * an administrator's by default: only Tresor itself (the local CLI) holds it from the start
   * and may grant it, as nobody grants what they do not hold.
   */
  'SECRET_EXPORT',
] as const;

export type Permission = (typeof permissions)[number];

/** SECRET_MANAGEMENT includes the three narrower secret permissions (on every secret). */
const implied: Partial<Record<Permission, readonly Permission[]>> = {
  SECRET_MANAGEMENT: ['SECRET_MANAGEMENT_CREATE', 'SECRET_MANAGEMENT_UPDATE', 'SECRET_MANAGEMENT_DELETE'],
};

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && (permissions as readonly string[]).includes(value);
}

/** The granted permissions plus everything they imply. */
export function expandPermissions(granted: Iterable<Permission>): Set<Permission> {
  const out = new Set<Permission>();
  for (const p of granted) {
    out.add(p);
    for (const q of implied[p] ?? []) out.add(q);
  }
  return out;
}

/** What the first administrator gets. */
export const administratorPermissions: readonly Permission[] = [
  'SECRET_MANAGEMENT',
  'USER_ADMIN',
  'GROUP_ADMIN',
  'KEY_ADMIN',
  'AUDIT_READ',
  'WEBHOOK_ADMIN',
];

/**
 * What each permission lets a person do, in words (as n8n's and Infisical's role lists say it):
 * a short name and one line. Pages show these; the API and the CLI keep the codes.
 */
export const permissionWords: Record<Permission, { name: string; does: string }> = {
  SECRET_MANAGEMENT: {
    name: 'Manage every secret',
    does: 'Change, share and delete any secret of the default space, and create; never use a value',
  },
  SECRET_MANAGEMENT_CREATE: { name: 'Create secrets', does: 'Create secrets, which they then own' },
  SECRET_MANAGEMENT_UPDATE: { name: 'Change own secrets', does: 'Change and share the secrets they own' },
  SECRET_MANAGEMENT_DELETE: { name: 'Delete own secrets', does: 'Delete the secrets they own' },
  USER_ADMIN: { name: 'Manage users', does: 'Invite people, disable accounts, send password-reset links' },
  GROUP_ADMIN: { name: 'Manage groups and spaces', does: 'Create groups and spaces, and decide who is in them' },
  KEY_ADMIN: { name: 'Rotate keys', does: "Rotate the master key and any space's key" },
  AUDIT_READ: { name: 'Read the audit log', does: 'Read the whole audit trail, every space included' },
  WEBHOOK_ADMIN: { name: 'Manage webhooks', does: 'Register endpoints told of every change (names, never values)' },
  SECRET_EXPORT: { name: 'Export and import', does: 'Export secrets with their values to an archive, and import one' },
};

/** A permission as a page names it: "Create secrets (SECRET_MANAGEMENT_CREATE)". */
export const permissionLabel = (permission: string): string =>
  isPermission(permission) ? `${permissionWords[permission].name} (${permission})` : permission;
