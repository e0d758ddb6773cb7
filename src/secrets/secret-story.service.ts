/**
 * A secret's story, for its page: what happened to it (created, changed — which fields —,
 * rolled back, shared, tested) and by whom, and which modules used it last, for whom and how
 * often — all from the audit trail, which holds no values — and which stored configurations
 * name it (secret_references). For whoever may see its versions; shares appear only to
 * whoever may share it, and the uses of others only to whoever may see its holders (the gate's
 * `holders`): a share recipient sees its own uses, never who else has the secret.
 */
import type { AccessGate } from '../access/access.gate.ts';
import type { AuditService } from '../audit/audit.service.ts';
import { auditStore } from '../audit/audit.store.ts';
import { entryOf } from '../audit/audit-log.service.ts';
import { type NamedAuditEntry, namedEntries } from '../audit/audit-names.ts';
import type { Database } from '../db/client.ts';
import type { Principal } from '../identity/principal.ts';
import { type ReferencesSeen, referencesSeenBy } from './references-view.ts';

const changeActions = [
  'secret.created',
  'secret.updated',
  'secret.rolled_back',
  'secret.tested',
  'secret.expiry_notice_sent',
  'secret.notice_recipients_changed',
  // Whom its modules act as: the owner sees when that changes.
  'secret.oauth2_connected',
] as const;
const shareActions = ['secret.shared', 'secret.unshared'] as const;

export interface ModuleUse {
  /** The module that used it; null for a use outside any module (a connection test, a script). */
  module: string | null;
  /** Who it was used for, in words. */
  usedFor: string;
  lastAt: Date;
  /** Uses among the secret's latest 5,000. */
  uses: number;
}

export interface SecretStory {
  events: NamedAuditEntry[];
  uses: ModuleUse[];
  /** Stored configurations that name it in a secretRef field (those this principal may not read only counted). */
  references: ReferencesSeen;
}

export function secretStoryServiceFactory({
  db,
  gate,
  audit,
}: {
  db: Database;
  gate: Pick<AccessGate, 'check' | 'operations' | 'secret'>;
  audit: Pick<AuditService, 'write'>;
}) {
  /** The story, with the grant that allowed it. */
  async function storyOf(principal: Principal, ref: string, limit: number) {
    const grant = await gate.check(principal, ref, 'versions');
    const may = gate.operations(grant);
    const actions = may.share ? [...changeActions, ...shareActions] : [...changeActions];
    const [rows, allUses, references] = await Promise.all([
      auditStore.ofSecret(db, grant.row.id, actions, limit),
      auditStore.usesOf(db, grant.row.id, 5000),
      referencesSeenBy(gate, db, principal, grant.row),
    ]);
    const own = principal.kind === 'user' ? principal.id : undefined;
    const uses = may.holders ? allUses : allUses.filter((u) => own !== undefined && u.actorId === own);
    const events = await namedEntries(db, rows.map(entryOf));
    // The users and groups uses were for, named the same way as the events' actors.
    const named = await namedEntries(
      db,
      uses.map((u, i) => ({
        id: i,
        at: u.lastAt,
        actorId: u.actorId,
        actor: u.actorLabel,
        principal: u.principal,
        action: 'secret.used',
        targetId: null,
        targetName: null,
        outcome: 'success',
        module: u.module,
        requestId: null,
        clientAddress: null,
        details: {},
      })),
    );
    return {
      grant,
      story: {
        events,
        references,
        uses: uses.map((u, i) => {
          const entry = named[i]!;
          const person = entry.actorPerson
            ? `${entry.actorPerson.displayName} <${entry.actorPerson.email}>`
            : undefined;
          return {
            module: u.module,
            usedFor:
              entry.actedFor ??
              person ??
              (entry.actorGroup ? `group ${entry.actorGroup}` : u.actorId ? 'a removed user' : 'Tresor itself'),
            lastAt: u.lastAt,
            uses: u.uses,
          };
        }),
      },
    };
  }

  const service = {
    /** Only the configurations that name it (a delete page asks this, not the whole story). */
    async references(principal: Principal, ref: string): Promise<ReferencesSeen> {
      const grant = await gate.check(principal, ref, 'versions');
      return referencesSeenBy(gate, db, principal, grant.row);
    },

    story: async (principal: Principal, ref: string, limit = 20): Promise<SecretStory> =>
      (await storyOf(principal, ref, limit)).story,

    /** Where it is used (the API's and the CLI's `usage`): the story's uses and references, on record as a read. */
    async usage(principal: Principal, ref: string): Promise<SecretStory> {
      // One access check: the story's grant names the audit row's target.
      const { grant, story } = await storyOf(principal, ref, 0);
      await audit.write({
        actor: principal,
        event: {
          action: 'secret.read',
          target: { id: grant.row.id, name: grant.row.name },
          details: { view: 'usage' },
        },
      });
      return story;
    },
  };
  return service;
}

export type SecretStoryService = ReturnType<typeof secretStoryServiceFactory>;
