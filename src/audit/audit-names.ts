/**
 * Audit rows as people read them: the trail stores ids and labels (`user:<id>`), which stay
 * true when someone is renamed; a reader wants names. Names are looked up when the page is
 * read, and what changed is put in words from the row's details — which hold names, ids and
 * versions only (audit-events.ts), so no value can reach the summary.
 */
import type { Executor } from '../db/client.ts';
import { type AuditNames, auditStore } from './audit.store.ts';
import type { AuditEntry } from './audit-log.service.ts';

export interface Person {
  id: string;
  email: string;
  displayName: string;
}

export interface NamedAuditEntry extends AuditEntry {
  /** The acting user today; undefined for Tresor itself or a user since removed. */
  actorPerson: Person | undefined;
  /** The acting group's name, when a module acted as a group (`use()` for group ops). */
  actorGroup: string | undefined;
  /** Whom a module acted for, in words ("group mail-senders"), when not the actor. */
  actedFor: string | undefined;
  /** The secret's id when the row is about a secret that still exists (for a link). */
  secretId: string | undefined;
  /** What changed or what the event was about, in words: field names, versions, recipients. */
  summary: string;
}

const labelled = (label: string | null, kind: 'user' | 'group') =>
  label?.startsWith(`${kind}:`) ? label.slice(kind.length + 1) : undefined;

type Details = Record<string, unknown>;
const list = (value: unknown) => (Array.isArray(value) ? value.filter((v) => typeof v === 'string') : []);

/** The row's details in words. Only keys the event types define are read. */
export function summaryOf(entry: Pick<AuditEntry, 'action' | 'details'>): string {
  const d = (entry.details ?? {}) as Details;
  switch (entry.action) {
    case 'secret.created':
      return `Type ${String(d.type)}, version ${String(d.version)}`;
    case 'secret.updated': {
      const fields = list(d.changedFields);
      const parts = [fields.length > 0 ? `Changed fields: ${fields.join(', ')}` : 'No field changed'];
      if (d.metadataChanged === true) parts.push('description or expiry changed');
      if (typeof d.copiedFrom === 'string') parts.unshift(`Copied from ${d.copiedFrom}`);
      const where = typeof d.environment === 'string' ? ` in ${d.environment}` : '';
      return `${parts.join('; ')} (version ${String(d.version)}${where})`;
    }
    case 'secret.rolled_back':
      return `Back to version ${String(d.to)}, as version ${String(d.version)}`;
    case 'secret.deleted':
      return `Deleted at version ${String(d.version)}`;
    case 'secret.shared':
      return `With ${d.recipientKind === 'group' ? 'group ' : ''}${String(d.recipient)}`;
    case 'secret.unshared':
      return `No longer with ${d.recipientKind === 'group' ? 'group ' : ''}${String(d.recipient)}`;
    case 'secret.used':
      return `Version ${String(d.version)}${typeof d.environment === 'string' ? ` in ${d.environment}` : ''}`;
    case 'space.environment_added':
      return `Environment ${String(d.environment)}${d.position === 0 ? ' (the default)' : ''}`;
    case 'space.environment_removed':
      return `Environment ${String(d.environment)}, ${String(d.versionsDestroyed ?? 0)} versions destroyed`;
    case 'secret.read':
      return `Viewed ${String(d.view)}`;
    case 'secret.test_refused':
      return `Test of edited values refused (${list(d.fields).join(', ')})`;
    case 'secret.update_refused':
      return `Refused fields: ${list(d.fields).join(', ')}`;
    case 'secret.tested': {
      const failed = list(d.failedChecks);
      return `${String(d.passed)} passed, ${String(d.failed)} failed, ${String(d.skipped)} skipped${
        failed.length > 0 ? ` (failed: ${failed.join(', ')})` : ''
      }${d.unsaved === true ? '; unsaved values' : ''}`;
    }
    case 'secret.listed':
      return `${String(d.count)} secrets`;
    case 'secret.expiry_notice_sent': {
      const when = d.daysBefore === 0 ? 'on the day it expires' : `${String(d.daysBefore)} days before it expires`;
      return `Expiry notice ${when} (${String(d.expiresAt).slice(0, 10)}), to ${String(d.recipients)} recipient(s)`;
    }
    case 'secret.notice_recipients_changed':
      return `Expiry notices also to ${String(d.recipients)} address(es)`;
    case 'secret.oauth2_connected':
      return `Connected (${String(d.grant)}), ${String(d.scopes)} scope(s) granted${
        d.accountChanged === true ? '; now as another account' : ''
      }`;
    case 'secret.oauth2_refreshed':
      return `New access token (${String(d.grant)})${d.rotated === true ? ', refresh token rotated' : ''}`;
    case 'secret.oauth2_reconnect_needed':
      return `The server refused the refresh token (${String(d.error)}): connect again`;
    case 'secret.oauth2_disconnected':
      return 'Connection forgotten';
    case 'secret.reconnect_notice_sent':
      return `Needs-reconnect notice to ${String(d.recipients)} recipient(s)`;
    case 'request.refused':
      return `${String(d.field)}: not well-formed text`;
    case 'access.denied':
      return String(d.operation ?? '');
    case 'auth.login':
    case 'auth.login_failed':
    case 'auth.logout':
      return `By ${String(d.method)}`;
    case 'token.created':
      return `Scope ${String(d.scope)}, ${d.expiresAt ? `expires ${String(d.expiresAt).slice(0, 10)}` : 'no expiry'}`;
    case 'permission.granted':
    case 'permission.revoked':
      return `${String(d.permission)} (${d.holderKind === 'group' ? 'group' : 'user'})`;
    case 'user.default_space_set':
      return d.space ? `Default space ${String(d.space)}` : "The installation's default space again";
    case 'user.locale_changed':
      return `Language ${d.locale === null ? 'as the browser asks' : String(d.locale)}`;
    case 'user.created':
      return d.administrator === true ? 'Administrator' : '';
    case 'user.linked':
      return `Signs in through ${String(d.source)}${d.created === true ? ' (account created)' : ''}`;
    case 'membership.synced':
      return [...list(d.added).map((g) => `+${g}`), ...list(d.removed).map((g) => `−${g}`)]
        .join(' ')
        .concat(` (from ${String(d.source)})`);
    case 'transfer.exported':
      return `${String(d.secrets)} secret${d.secrets === 1 ? '' : 's'}${d.allVersions === true ? ', all kept' : ''}`;
    case 'transfer.imported':
      return (['created', 'renamed', 'skipped', 'failed'] as const).map((k) => `${String(d[k])} ${k}`).join(', ');
    case 'webhook.created':
    case 'webhook.updated':
    case 'webhook.deleted':
      return `Events ${list(d.events).join(', ')}${d.enabled === false ? ' (disabled)' : ''}`;
    case 'webhook.secret_rotated':
      return `New signing secret (number ${String(d.generation)})`;
    case 'webhook.redelivered':
      return `Delivery ${String(d.delivery)} sent again`;
    case 'space.key_rotated':
      return `To the space's key version ${String(d.version)}, ${String(d.rewrapped)} re-wrapped`;
    case 'space.deleted':
      return (
        `${String(d.secrets)} secret${d.secrets === 1 ? '' : 's'} and ${String(d.keysDestroyed ?? 0)} key ` +
        'versions destroyed'
      );
    case 'key.rotation_started':
    case 'key.rotation_finished':
      return `To key version ${String(d.targetVersion)}, ${String(d.rewrapped)} re-wrapped`;
    default:
      return '';
  }
}

function named(entry: AuditEntry, names: AuditNames): NamedAuditEntry {
  const person = entry.actorId ? names.users.get(entry.actorId) : undefined;
  const forUser = labelled(entry.principal, 'user');
  const forGroup = labelled(entry.principal, 'group');
  const forPerson = forUser ? names.users.get(forUser) : undefined;
  const forGroupName = forGroup ? names.groups.get(forGroup) : undefined;
  const actedFor = forPerson
    ? `${forPerson.displayName} <${forPerson.email}>`
    : forGroupName
      ? `group ${forGroupName}`
      : (entry.principal ?? undefined);
  const aboutSecret = entry.action.startsWith('secret.') && entry.targetId !== null;
  return {
    ...entry,
    actorPerson: person && entry.actorId ? { id: entry.actorId, ...person } : undefined,
    actorGroup: names.groups.get(labelled(entry.actor, 'group') ?? ''),
    actedFor,
    secretId: aboutSecret && names.secrets.has(entry.targetId!) ? entry.targetId! : undefined,
    summary: summaryOf(entry),
  };
}

/** The entries with their people and secrets looked up in three queries for the whole page. */
export async function namedEntries(db: Executor, entries: AuditEntry[]): Promise<NamedAuditEntry[]> {
  const userIds: string[] = [];
  const groupIds: string[] = [];
  const secretIds: string[] = [];
  for (const e of entries) {
    if (e.actorId) userIds.push(e.actorId);
    const forUser = labelled(e.principal, 'user');
    const forGroup = labelled(e.principal, 'group');
    if (forUser) userIds.push(forUser);
    if (forGroup) groupIds.push(forGroup);
    const actingGroup = labelled(e.actor, 'group');
    if (actingGroup) groupIds.push(actingGroup);
    if (e.action.startsWith('secret.') && e.targetId) secretIds.push(e.targetId);
  }
  const names = await auditStore.namesOf(db, { users: userIds, groups: groupIds, secrets: secretIds });
  return entries.map((e) => named(e, names));
}
