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
