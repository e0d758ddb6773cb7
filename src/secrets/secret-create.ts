/**
 * Creating a secret, and what a page asks before it offers the form: permission first (a
 * principal who may not create learns nothing from validating its input), then the values,
 * their slow checks (off the event loop) and references; the row, its first version, the
 * share its type's sharing rule requires and the audit rows in one transaction.
 */
import { randomUUID } from 'node:crypto';
import type { CredentialType, Payload } from '../credentials/index.ts';
import { pgErrorCode, uniqueViolation } from '../db/errors.ts';
import { defaultSpaceId } from '../db/schema/spaces.ts';
import { AccessDeniedError, ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { actingUserId, type Principal } from '../identity/principal.ts';
import { parseField } from '../validation.ts';
import { type SecretRow, secretStore } from './secret.store.ts';
import type { CreateSecretInput } from './secret-inputs.ts';
import { metadataOf, type SecretDetail } from './secret-metadata.ts';
import { referenceChecks } from './secret-references.ts';
import { descriptionSchema, secretNameSchema } from './secret-rules.ts';
import type { SecretServiceDeps } from './secret-service-deps.ts';
import { shareStore } from './share.store.ts';
import { secretKeys, type WriteVersion } from './version-writer.ts';

/** Field errors of a payload are reported under `fields.`, as the API body nests them. */
function underFields(error: unknown): never {
  throw error instanceof ValidationError ? error.under('fields') : error;
}

function parsedUnderFields(type: CredentialType, fields: unknown): Payload {
  try {
    return type.parseCreate(fields);
  } catch (error) {
    underFields(error);
  }
}

export function secretCreation(
  { db, gate, audit, registry, references, provided }: SecretServiceDeps,
  writeVersion: WriteVersion,
) {
  const checkReferences = referenceChecks(registry, references);
  return {
    /** The types the principal may create a secret of now (none without the permission): what a UI offers. */
    creatableTypes(principal: Principal): Promise<CredentialType[]> {
      return gate.creatable(principal, registry.list());
    },

    /**
     * The type of a secret the principal is about to create, asked before a form is shown: refused
     * (and audited) as the create itself would be, so nobody fills in a form they may not submit.
     */
    async typeToCreate(principal: Principal, typeId: string): Promise<CredentialType> {
      const type = registry.find(typeId);
      await gate.create(principal, type, '');
      if (!type) throw new NotFoundError(`Unknown credential type "${typeId}"`);
      return type;
    },

    /** Refused (and audited) as a create would be for whoever may create nothing at all; the type picker asks it. */
    async mayCreateAny(principal: Principal): Promise<void> {
      await gate.create(principal, undefined, '');
    },

    /**
     * `options.ownerId`: the owner, other than the creator — for Tresor itself only (an import
     * keeps each secret's owner); nobody else may make a secret someone else's.
     */
    async create(
      principal: Principal,
      input: CreateSecretInput,
      options: { ownerId?: string } = {},
    ): Promise<SecretDetail> {
      const type = registry.find(typeof input.type === 'string' ? input.type : '');
      // Permission first: a principal who may not create learns nothing from validating its input.
      const { requiredGroup, spaceId, visibility } = await gate.create(
        principal,
        type,
        typeof input.name === 'string' ? input.name : '',
        { space: input.space, visibility: input.visibility },
      );
      if (options.ownerId !== undefined && principal.kind !== 'system')
        throw new AccessDeniedError('Only Tresor itself creates a secret for another owner');
      // Every problem of the input in one round (a form shows them all at once), the name's too.
      const problems: ValidationError[] = [];
      const attempt = <T>(parse: () => T): T | undefined => {
        try {
          return parse();
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          problems.push(error);
          return undefined;
        }
      };
      const name = attempt(() => parseField(secretNameSchema, input.name, 'name'));
      const description = attempt(() => parseField(descriptionSchema, input.description ?? '', 'description'));
      if (!type)
        problems.push(
          ValidationError.field(
            'type',
            `Type must be one of: ${registry
              .list()
              .map((t) => t.id)
              .join(', ')}`,
          ),
        );
      // Generated values first: a field without a generator is the `generate` input's problem, not a field's.
      const fields = attempt(() =>
        type && input.generate?.length ? type.withGenerated(input.fields, input.generate) : input.fields,
      );
      const parsed = type && fields !== undefined ? attempt(() => parsedUnderFields(type, fields)) : undefined;
      // The slow checks (opening a key, a password's strength) run in the hook worker, once the values parse;
      // their facts are stored with the row.
      let facts: Record<string, string> = {};
      if (type && parsed !== undefined) {
        try {
          facts = (await type.inspect(parsed)).facts;
        } catch (error) {
          attempt(() => underFields(error));
        }
      }
      // A provided secret's name is taken, as a stored one's is: a stored secret of that name
      // would be what the provided one's users and groups reach.
      const taken =
        name !== undefined &&
        ((spaceId === defaultSpaceId && provided?.active && (await provided.lookup(name)) !== undefined) ||
          (problems.length > 0 && (await secretStore.nameTaken(db, spaceId, name))));
      const takenMessage = `A secret named "${name}" already exists`;
      // Each value left undefined came with its problem.
      if (problems.length > 0 || !type || name === undefined || description === undefined || parsed === undefined) {
        // With other problems, a taken name is one of them (in the same round); alone it is a conflict.
        if (taken) problems.unshift(ValidationError.field('name', takenMessage));
        throw ValidationError.combine(problems);
      }
      if (taken) throw new ConflictError(takenMessage, 'name');
      const payload: Payload = parsed;
      await checkReferences(principal, type, payload);
      const userId = actingUserId(principal);
      const row: SecretRow = {
        id: randomUUID(),
        name,
        spaceId,
        visibility,
        description,
        typeId: type.id,
        ownerId: options.ownerId ?? userId,
        version: 1,
        createdAt: new Date(),
        createdBy: userId,
        updatedAt: new Date(),
        updatedBy: userId,
        expiresAt: type.expiryOf(payload, facts, input.expiresAt),
        lastUsedAt: null,
        facts: Object.keys(facts).length > 0 ? facts : null,
      };
      try {
        await db.transaction(async (tx) => {
          // The row first (the others refer to it); then its version, share and audit row, sent
          // together and pipelined on the transaction's connection (one round trip).
          await secretStore.insert(tx, row);
          await Promise.all([
            writeVersion(
              tx,
              row,
              1,
              payload,
              principal,
              'created',
              secretKeys(type).filter((k) => k in payload),
            ),
            // The type's sharing rule holds from the first moment.
            requiredGroup
              ? shareStore.insert(tx, { secretId: row.id, groupId: requiredGroup.id, createdBy: userId })
              : undefined,
            audit.appendInTx(tx, [
              {
                actor: principal,
                event: {
                  action: 'secret.created',
                  target: { id: row.id, name },
                  details: { type: type.id, version: 1 },
                },
              },
              ...(requiredGroup
                ? [
                    {
                      actor: principal,
                      event: {
                        action: 'secret.shared' as const,
                        target: { id: row.id, name },
                        details: {
                          recipientKind: 'group' as const,
                          recipientId: requiredGroup.id,
                          recipient: requiredGroup.name,
                        },
                      },
                    },
                  ]
                : []),
            ]),
          ]);
        });
      } catch (error) {
        if (pgErrorCode(error) === uniqueViolation)
          throw new ConflictError(`A secret named "${name}" already exists`, 'name');
        throw error;
      }
      return {
        ...metadataOf(row),
        fields: type.publicFields(payload),
        facts: row.facts ?? {},
        sealed: type.sealedFields(payload),
      };
    },
  };
}
