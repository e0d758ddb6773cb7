/**
 * Export and import between Tresor instances.
 *
 * Both carry values, so both are for Tresor itself (the local CLI, which holds the database
 * and its key already) and holders of SECRET_EXPORT — checked before anything is read or a
 * key derived. The export opens each secret through the gate's `export` operation; the
 * import writes as Tresor itself, keeping each secret's owner and shares by e-mail and group
 * name where this instance has them, and says what it created, renamed, skipped or could not
 * write. A dry run opens and checks the archive and answers the same report, writing nothing.
 * Both sides are audited (`transfer.exported`, `transfer.imported`: counts, never values).
 */
import { z } from 'zod';
import type { AccessGate } from '../access/access.gate.ts';
import type { AuditService } from '../audit/audit.service.ts';
import { auditStore } from '../audit/audit.store.ts';
import { summaryOf } from '../audit/audit-names.ts';
import type { CredentialRegistry } from '../credentials/index.ts';
import type { Database } from '../db/client.ts';
import { isTresorError, ValidationError } from '../errors.ts';
import { type Principal, systemPrincipal } from '../identity/principal.ts';
import { noticeStore } from '../lifecycle/notice.store.ts';
import type { NoticeRecipientService } from '../lifecycle/notice-recipients.service.ts';
import type { SecretService } from '../secrets/secret.service.ts';
import { secretStore } from '../secrets/secret.store.ts';
import { defaultSpaceName, spacedName } from '../secrets/secret-rules.ts';
import type { ShareService } from '../secrets/share.service.ts';
import { shareStore } from '../secrets/share.store.ts';
import type { EnvironmentService } from '../spaces/environment.service.ts';
import { environmentStore } from '../spaces/environment.store.ts';
import type { SpaceService } from '../spaces/space.service.ts';
import { spaceStore } from '../spaces/space.store.ts';
import { parseField } from '../validation.ts';

const visibilitySchema = z.enum(['private', 'space', 'global']);

import { openArchive, readHeader, sealArchive } from './archive.ts';
import { type ArchiveContent, type ArchivedSecret, archiveContentSchema } from './archive-content.ts';
import { transferStore } from './transfer.store.ts';

export type ImportOutcome = 'created' | 'renamed' | 'skipped' | 'failed';

export interface ImportLine {
  name: string;
  /** The name it has (or would have) here. */
  as: string;
  type: string;
  outcome: ImportOutcome;
  versions: number;
  /** Why it was skipped or failed, and what of it could not be kept (an owner or a share unknown here). */
  notes: string[];
}

export interface ImportReport {
  dryRun: boolean;
  exportedAt: string;
  lines: ImportLine[];
  counts: Record<ImportOutcome, number>;
}

export function transferServiceFactory({
  db,
  gate,
  audit,
  registry,
  secrets,
  spaces,
  shares,
  notices,
  directory,
}: {
  db: Database;
  gate: Pick<AccessGate, 'require' | 'secret' | 'open' | 'stepUp'>;
  audit: Pick<AuditService, 'appendInTx'>;
  registry: Pick<CredentialRegistry, 'find'>;
  secrets: Pick<SecretService, 'create' | 'update' | 'setEnvironment'>;
  spaces: Pick<SpaceService, 'create'> & Pick<EnvironmentService, 'environments' | 'addEnvironment'>;
  shares: Pick<ShareService, 'share'>;
  notices: Pick<NoticeRecipientService, 'setRecipients'>;
  /** Who and which groups this instance has, by e-mail and name. */
  directory: {
    userId(email: string): Promise<string | undefined>;
    hasGroup(name: string): Promise<boolean>;
  };
}) {
  async function record(principal: Principal, event: Parameters<AuditService['appendInTx']>[1][number]['event']) {
    await db.transaction((tx) => audit.appendInTx(tx, [{ actor: principal, event }]));
  }

  async function archived(
    principal: Principal,
    id: string,
    allVersions: boolean,
    place: { space: string; visibility: string },
  ): Promise<ArchivedSecret> {
    const grant = await gate.secret(db, principal, id, 'export');
    const row = grant.row;
    const kept = await secretStore.versions(db, row.id);
    const numbers = allVersions ? kept.map((v) => v.version).sort((a, b) => a - b) : [row.version];
    const versions: ArchivedSecret['versions'] = [];
    const reasons = new Map(kept.map((v) => [v.version, v.reason]));
    for (const n of numbers) versions.push({ reason: reasons.get(n) ?? '', fields: await gate.open(db, grant, n) });
    // Its values in the space's other environments (the first declared is the default: `versions` above).
    const environments: NonNullable<ArchivedSecret['environments']> = [];
    for (const { name } of (await environmentStore.list(db, row.spaceId)).slice(1)) {
      const held = (await secretStore.versions(db, row.id, name)).sort((a, b) => a.version - b.version);
      const each: ArchivedSecret['versions'] = [];
      for (const v of allVersions ? held : held.slice(-1))
        each.push({ reason: v.reason, fields: await gate.open(db, grant, v.version, name) });
      if (each.length > 0) environments.push({ environment: name, versions: each });
    }
    const rows = await shareStore.list(db, row.id);
    return {
      name: row.name,
      space: place.space,
      visibility: parseField(visibilitySchema, place.visibility, 'visibility'),
      type: row.typeId,
      description: row.description,
      expiresAt: row.expiresAt?.toISOString() ?? null,
      owner: null,
      shares: rows.flatMap((s): ArchivedSecret['shares'] =>
        s.email ? [{ user: s.email }] : s.groupName ? [{ group: s.groupName }] : [],
      ),
      noticeRecipients: (await noticeStore.recipientsOf(db, [row.id])).get(row.id) ?? [],
      versions,
      ...(environments.length > 0 ? { environments } : {}),
    };
  }

  /** A free name for `name` in `space` here: itself, or `name-2`, `name-3`… when renaming. */
  async function freeName(space: string, name: string, rename: boolean): Promise<string | undefined> {
    const taken = async (n: string) => (await secretStore.find(db, `${space}/${n}`)) !== undefined;
    if (!(await taken(name))) return name;
    if (!rename) return undefined;
    for (let i = 2; i < 1000; i++) if (!(await taken(`${name}-${i}`))) return `${name}-${i}`;
    return undefined;
  }

  async function plan(secret: ArchivedSecret, rename: boolean): Promise<ImportLine> {
    const space = secret.space ?? defaultSpaceName;
    const ref = (name: string) => (space === defaultSpaceName ? name : `${space}/${name}`);
    const line: ImportLine = {
      name: ref(secret.name),
      as: ref(secret.name),
      type: secret.type,
      outcome: 'created',
      versions: secret.versions.length,
      notes: [],
    };
    if (!registry.find(secret.type)) {
      line.outcome = 'skipped';
      line.notes.push(`type "${secret.type}" is not known here`);
      return line;
    }
    // A space this instance lacks is made (as Tresor itself, on the trail): its secrets keep their names.
    if (space !== defaultSpaceName && !(await spaceStore.byName(db, space)))
      line.notes.push(`space ${space} is created here: give people roles in it`);
    const name = await freeName(space, secret.name, rename);
    if (name === undefined) {
      line.outcome = 'skipped';
      line.notes.push('a secret of that name exists here');
      return line;
    }
    if (name !== secret.name) {
      line.as = ref(name);
      line.outcome = 'renamed';
    }
    if (secret.owner && !(await directory.userId(secret.owner)))
      line.notes.push(`owner ${secret.owner} is not a user here: imported without an owner`);
    for (const s of secret.shares) {
      if ('user' in s && !(await directory.userId(s.user)))
        line.notes.push(`share with ${s.user} dropped: no such user`);
      if ('group' in s && !(await directory.hasGroup(s.group)))
        line.notes.push(`share with group ${s.group} dropped: no such group`);
    }
    return line;
  }

  /** The space's environments as the archive declares them: those it lacks here are added (after its own). */
  async function declareEnvironments(space: string, names: readonly string[]): Promise<void> {
    const here = new Set((await spaces.environments(systemPrincipal, space)).map((e) => e.name));
    for (const name of names.filter((n) => !here.has(n)))
      await spaces.addEnvironment(systemPrincipal, space, name).catch((e: unknown) => ignoreConflict(e));
  }

  async function write(
    secret: ArchivedSecret,
    line: ImportLine,
    declared: Record<string, string[]> | undefined,
  ): Promise<void> {
    const [first, ...later] = secret.versions;
    const ownerId = secret.owner ? await directory.userId(secret.owner) : undefined;
    const space = secret.space ?? defaultSpaceName;
    if (space !== defaultSpaceName && !(await spaceStore.byName(db, space)))
      await spaces.create(systemPrincipal, { name: space }).catch((e: unknown) => ignoreConflict(e));
    const environments = declared?.[space];
    if (environments?.length) await declareEnvironments(space, environments);
    const created = await secrets.create(
      systemPrincipal,
      {
        type: secret.type,
        name: spacedName(line.as).name,
        space,
        visibility: secret.visibility ?? 'private',
        description: secret.description,
        fields: first!.fields,
        expiresAt: secret.expiresAt ? new Date(secret.expiresAt) : null,
      },
      ownerId ? { ownerId } : {},
    );
    for (const version of later)
      await secrets.update(systemPrincipal, created.id, { fields: version.fields, reason: version.reason });
    for (const { environment, versions } of secret.environments ?? [])
      for (const version of versions)
        await secrets.setEnvironment(systemPrincipal, created.id, environment, {
          fields: version.fields,
          reason: version.reason,
        });
    for (const s of secret.shares) {
      const known = 'user' in s ? await directory.userId(s.user) : (await directory.hasGroup(s.group)) || undefined;
      // A share the type's own rule already made (SMTP with system) is there already.
      if (known) await shares.share(systemPrincipal, created.id, s).catch((e: unknown) => ignoreConflict(e));
    }
    if (secret.noticeRecipients.length > 0)
      await notices.setRecipients(systemPrincipal, created.id, secret.noticeRecipients);
  }

  return {
    /** An archive of every secret (or those named in `only`), current versions or all that are kept. */
    async exportArchive(
      principal: Principal,
      options: { passphrase: string; allVersions?: boolean; only?: readonly string[]; space?: string },
    ): Promise<{ archive: string; secrets: number }> {
      await gate.require(principal, 'SECRET_EXPORT', 'Exporting secrets with their values');
      await gate.stepUp(principal, 'Exporting secrets');
      const allVersions = options.allVersions === true;
      // One space on its own (a team's backup); a space that does not exist is named as such.
      const space = options.space === undefined ? undefined : await spaceStore.byName(db, options.space);
      if (options.space !== undefined && !space) throw ValidationError.field('space', `No space "${options.space}"`);
      const rows = await transferStore.secretsToExport(db, {
        ...(options.only ? { only: options.only } : {}),
        ...(space ? { spaceId: space.id } : {}),
      });
      if (options.only && rows.length < options.only.length) {
        // Each row answers to its id, `space/name`, and in the default space its bare name.
        const found = new Set(
          rows.flatMap((r) => [
            r.id,
            `${r.space}/${r.name}`.toLowerCase(),
            ...(r.space === defaultSpaceName ? [r.name.toLowerCase()] : []),
          ]),
        );
        const missing = options.only.filter((r) => !found.has(r) && !found.has(r.toLowerCase()));
        if (missing.length > 0) throw ValidationError.field('only', `No secret named ${missing.join(', ')}`);
      }
      const content: ArchiveContent = { exportedAt: new Date().toISOString(), secrets: [] };
      const spaceEnvironments: Record<string, string[]> = {};
      for (const row of rows) {
        const secret = await archived(principal, row.id, allVersions, row);
        content.secrets.push({ ...secret, owner: row.ownerEmail ?? null });
        if (secret.space && !(secret.space in spaceEnvironments)) {
          const found = await spaceStore.byName(db, secret.space);
          spaceEnvironments[secret.space] = found ? (await environmentStore.list(db, found.id)).map((e) => e.name) : [];
        }
      }
      const declaring = Object.entries(spaceEnvironments).filter(([, names]) => names.length > 0);
      if (declaring.length > 0) content.spaceEnvironments = Object.fromEntries(declaring);
      const archive = await sealArchive(options.passphrase, content, { secrets: rows.length, allVersions });
      await record(principal, {
        action: 'transfer.exported',
        target: { id: null, name: 'archive' },
        details: { secrets: rows.length, allVersions },
      });
      return { archive, secrets: rows.length };
    },

    /** Whether the principal may export and import (refused and audited otherwise): asked before a page shows forms. */
    async mayTransfer(principal: Principal): Promise<void> {
      await gate.require(principal, 'SECRET_EXPORT', 'Exporting and importing secrets', { mode: 'read' });
    },

    /** The latest exports and imports on record, newest first, in words (for the transfer page). */
    async recent(principal: Principal, limit = 10): Promise<{ at: Date; action: string; summary: string }[]> {
      await gate.require(principal, 'SECRET_EXPORT', 'Exporting and importing secrets', { mode: 'read' });
      const rows = (
        await Promise.all(
          (['transfer.exported', 'transfer.imported'] as const).map((action) =>
            auditStore.query(db, { action, limit }),
          ),
        )
      ).flat();
      return rows
        .sort((a, b) => b.id - a.id)
        .slice(0, limit)
        .map((r) => ({ at: r.at, action: r.action, summary: summaryOf(r) }));
    },

    /** What the archive says it holds, without the passphrase (for a first look). */
    describe: (archive: string) => readHeader(archive).header,

    async importArchive(
      principal: Principal,
      archive: string,
      options: { passphrase: string; dryRun?: boolean; onConflict?: 'skip' | 'rename' },
    ): Promise<ImportReport> {
      await gate.require(principal, 'SECRET_EXPORT', 'Importing secrets with their values');
      const onConflict = parseField(z.enum(['skip', 'rename']), options.onConflict ?? 'skip', 'onConflict');
      const { content: raw } = await openArchive(archive, options.passphrase);
      const content = parseField(archiveContentSchema, raw, 'archive');
      const dryRun = options.dryRun === true;
      const lines: ImportLine[] = [];
      for (const secret of content.secrets) {
        const line = await plan(secret, onConflict === 'rename');
        if (!dryRun && line.outcome !== 'skipped')
          try {
            await write(secret, line, content.spaceEnvironments);
          } catch (error) {
            if (!isTresorError(error)) throw error;
            line.outcome = 'failed';
            line.notes.push(error.message);
          }
        lines.push(line);
      }
      const counts = { created: 0, renamed: 0, skipped: 0, failed: 0 };
      for (const l of lines) counts[l.outcome]++;
      if (!dryRun)
        await record(principal, {
          action: 'transfer.imported',
          target: { id: null, name: 'archive' },
          details: counts,
        });
      return { dryRun, exportedAt: content.exportedAt, lines, counts };
    },
  };
}

function ignoreConflict(error: unknown): void {
  if (isTresorError(error) && error.code === 'CONFLICT') return;
  throw error;
}

export type TransferService = ReturnType<typeof transferServiceFactory>;
