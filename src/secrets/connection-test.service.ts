/**
 * Connection tests of secrets: a stored one (optionally with edited, unsaved fields: secret
 * fields left empty mean the stored ones), or the unsaved values of a new one. The rules:
 * - testing a stored secret is a use of it: whoever may use it may test it, and it is
 *   audited (`secret.tested`) before the report is returned, as a use is;
 * - edited values go through the same merge as an update, so a changed destination needs
 *   every stored secret entered again: a test never sends a stored secret somewhere new;
 * - unsaved values of a new secret may be tested by whoever may create one of that type;
 * - permission is checked before anything is parsed, opened or connected.
 */
import type { AccessGate } from '../access/access.gate.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { TestReport } from '../credentials/connection-test.ts';
import type { CredentialType, TestEnvironment } from '../credentials/credential-type.ts';
import type { CredentialRegistry } from '../credentials/index.ts';
import type { Database } from '../db/client.ts';
import { ValidationError } from '../errors.ts';
import type { Principal } from '../identity/principal.ts';
import { isOAuth2Type, type OAuth2Service } from '../oauth2/oauth2.service.ts';
import { metadataOf, type SecretMetadata } from './secret-metadata.ts';

export interface ConnectionTestDeps {
  db: Database;
  gate: Pick<AccessGate, 'check' | 'open' | 'create'>;
  registry: CredentialRegistry;
  audit: Pick<AuditService, 'write'>;
  environment: TestEnvironment;
  /** OAuth2 types: whether the secret's connection would serve a module (src/oauth2). */
  connections?: Pick<OAuth2Service, 'connectionCheck'>;
}

export interface TestedSecret {
  /** The stored secret tested; absent for unsaved values of a new one. */
  secret: SecretMetadata | undefined;
  type: string;
  /** Whether unsaved values were tested. */
  unsaved: boolean;
  report: TestReport;
}

export function connectionTestServiceFactory({
  db,
  gate,
  registry,
  audit,
  environment,
  connections,
}: ConnectionTestDeps) {
  async function record(
    principal: Principal,
    target: { id: string | null; name: string },
    type: CredentialType,
    version: number | null,
    unsaved: boolean,
    report: TestReport,
  ): Promise<void> {
    const count = (status: string) => report.checks.filter((c) => c.status === status).length;
    await audit.write({
      actor: principal,
      outcome: report.ok ? 'success' : 'failure',
      event: {
        action: 'secret.tested',
        target,
        details: {
          type: type.id,
          version,
          unsaved,
          passed: count('passed'),
          failed: count('failed'),
          skipped: count('skipped'),
          failedChecks: report.checks.filter((c) => c.status === 'failed').map((c) => c.name),
        },
      },
    });
  }

  return {
    /** Tests stored secret `ref`; with `fields`, its edited values (empty secret fields keep the stored ones). */
    async testStored(principal: Principal, ref: string, input: { fields?: unknown } = {}): Promise<TestedSecret> {
      const grant = await gate.check(principal, ref, 'use');
      const { row } = grant;
      const type = registry.get(row.typeId);
      const stored = await gate.open(db, grant);
      const unsaved = input.fields !== undefined;
      // As an update through the API: non-secret fields left out keep their stored value.
      const edited =
        input.fields !== null && typeof input.fields === 'object' && !Array.isArray(input.fields)
          ? { ...type.publicFields(stored), ...input.fields }
          : input.fields;
      const payload = unsaved ? type.parseUpdate(edited, stored) : stored;
      let report = await type.test(payload, environment);
      // An OAuth2 secret's test also says whether its connection serves (needs reconnect, not connected).
      if (connections && !unsaved && isOAuth2Type(type)) {
        const checks = [...report.checks, await connections.connectionCheck(row.id, payload)];
        report = { ...report, checks, ok: checks.every((c) => c.status !== 'failed') };
      }
      await record(principal, { id: row.id, name: row.name }, type, row.version, unsaved, report);
      return { secret: metadataOf(row), type: type.id, unsaved, report };
    },

    /** Tests the unsaved values of a new secret of type `typeId`. */
    async testNew(principal: Principal, typeId: unknown, fields: unknown): Promise<TestedSecret> {
      const type = typeof typeId === 'string' ? registry.find(typeId) : undefined;
      await gate.create(principal, type, '');
      if (!type) throw ValidationError.field('type', `Unknown credential type "${String(typeId)}"`);
      const report = await type.test(type.parseCreate(fields), environment);
      await record(principal, { id: null, name: '' }, type, null, true, report);
      return { secret: undefined, type: type.id, unsaved: true, report };
    },
  };
}

export type ConnectionTestService = ReturnType<typeof connectionTestServiceFactory>;
