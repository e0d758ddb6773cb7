/**
 * A space's environments (issue "Spaces"): declared in order by its admins (and instance
 * administrators), the first being its default. Removing one destroys every value its secrets
 * hold there — asked first (`force`) when there are any — and is on the space's trail. The
 * default goes last: it holds the secrets' own values, which stay when it goes.
 */
import type { AccessGate } from '../access/access.gate.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { Database } from '../db/client.ts';
import { pgErrorCode, uniqueViolation } from '../db/errors.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import type { Principal } from '../identity/principal.ts';
import { environmentStore } from './environment.store.ts';
import { type SpaceRow, spaceStore } from './space.store.ts';
import { environmentNamePattern } from './space-environments.ts';

export interface Environment {
  name: string;
  /** The space's first environment: its secrets' own values. */
  default: boolean;
  createdAt: Date;
}

export function environmentServiceFactory({
  db,
  gate,
  audit,
}: {
  db: Database;
  gate: Pick<AccessGate, 'spaceVisible' | 'spaceEnvironments'>;
  audit: Pick<AuditService, 'appendInTx'>;
}) {
  async function spaceNamed(ref: string): Promise<SpaceRow> {
    const row = await spaceStore.byName(db, ref);
    if (!row) throw new NotFoundError(`No space "${ref}"`);
    return row;
  }

  const nameOf = (value: unknown): string => {
    const name = typeof value === 'string' ? value.trim().toLowerCase() : '';
    if (!environmentNamePattern.test(name))
      throw ValidationError.field(
        'environment',
        'An environment is named with a letter, then letters, digits or hyphens (at most 32), e.g. production',
      );
    return name;
  };

  return {
    /** The space's environments, its default first: for whoever sees the space. */
    async environments(principal: Principal, ref: string): Promise<Environment[]> {
      const space = await spaceNamed(ref);
      await gate.spaceVisible(principal, space);
      return (await environmentStore.list(db, space.id)).map((e, i) => ({
        name: e.name,
        default: i === 0,
        createdAt: e.createdAt,
      }));
    },

    /** Declares an environment after the others (the first declared is the default: its secrets' own values). */
    async addEnvironment(principal: Principal, ref: string, value: unknown): Promise<Environment> {
      const space = await spaceNamed(ref);
      await gate.spaceEnvironments(principal, space);
      const name = nameOf(value);
      try {
        const position = await db.transaction(async (tx) => {
          const at = await environmentStore.append(tx, space.id, name);
          await audit.appendInTx(tx, [
            {
              actor: principal,
              event: {
                action: 'space.environment_added',
                target: { id: space.id, name: space.name },
                details: { environment: name, position: at },
              },
            },
          ]);
          return at;
        });
        return { name, default: position === 0, createdAt: new Date() };
      } catch (error) {
        if (pgErrorCode(error) === uniqueViolation)
          throw new ConflictError(`Space "${space.name}" has an environment "${name}"`, 'environment');
        throw error;
      }
    },

    /**
     * Removes an environment and destroys its values (each version). With values, only when confirmed (`force`);
     * the default only when it is the last (the secrets' own values then stay, as a space without environments').
     */
    async removeEnvironment(
      principal: Principal,
      ref: string,
      value: unknown,
      options: { force?: boolean } = {},
    ): Promise<{ versionsDestroyed: number }> {
      const space = await spaceNamed(ref);
      await gate.spaceEnvironments(principal, space);
      const name = typeof value === 'string' ? value.trim().toLowerCase() : '';
      return db.transaction(async (tx) => {
        const declared = await environmentStore.list(tx, space.id);
        const index = declared.findIndex((e) => e.name === name);
        if (index < 0) throw new NotFoundError(`Space "${space.name}" has no environment "${name}"`);
        if (index === 0 && declared.length > 1)
          throw new ConflictError(
            `"${name}" is the default environment of "${space.name}": it holds its secrets' own values, and goes ` +
              'last (remove the others first)',
            'environment',
          );
        let versionsDestroyed = 0;
        if (index > 0) {
          const holding = await environmentStore.secretsWithValues(tx, space.id, name);
          if (holding > 0 && !options.force)
            throw new ConflictError(
              `${holding} secret${holding === 1 ? ' has a value' : 's have values'} in ${name}: confirm (force) to ` +
                'destroy them with it',
              'force',
            );
          versionsDestroyed = await environmentStore.destroyValues(tx, space.id, name);
        }
        await environmentStore.remove(tx, space.id, name);
        await audit.appendInTx(tx, [
          {
            actor: principal,
            event: {
              action: 'space.environment_removed',
              target: { id: space.id, name: space.name },
              details: { environment: name, versionsDestroyed },
            },
          },
        ]);
        return { versionsDestroyed };
      });
    },
  };
}

export type EnvironmentService = ReturnType<typeof environmentServiceFactory>;
